"""The coordinators' report: pure statistics and small-cell protection, with no store or HTTP.

``stats`` compares proportions (paired and independent), adjusts P values and summarizes
K10 scores; ``suppress`` hides small counts in published tables so they cannot be worked out.
Both load only on the report path, because ``stats`` imports scipy.
"""
