"""The screenplay: the Fountain parser and the dialogue lines read from it."""
