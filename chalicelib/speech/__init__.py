"""Speech: intent detection behind one port; the only package that imports google.cloud."""
