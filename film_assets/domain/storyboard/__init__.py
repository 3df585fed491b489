"""The CPU storyboard renderer: one deterministic keyframe per shot, drawn with Pillow."""
