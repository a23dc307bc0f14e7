"""Text renderings of decision records, for learners, advisors and registrars (``text.render_text`` dispatches)."""
