"""Translations: one gettext catalogue (Babel) for flow, survey and campaign texts and the widget's strings."""
