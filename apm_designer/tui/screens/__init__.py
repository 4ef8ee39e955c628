"""The wizard's screens: start, proposal and dialogs."""
