"""The wizard's widgets: schema-driven form fields, step list, evaluation, help and review panes."""
