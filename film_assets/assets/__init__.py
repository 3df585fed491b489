"""Asset definitions: thin wrappers that load inputs, call the domain, store outputs and attach
what a person looks for in the catalog."""
