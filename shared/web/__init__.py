"""HTTP behaviour shared by every function: headers, limits, errors, pages, static assets."""
