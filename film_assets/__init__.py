"""Film asset pipeline package."""
