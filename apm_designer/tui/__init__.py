"""The wizard's terminal interface (Textual). It renders apm_designer.wizard and forwards keystrokes."""
