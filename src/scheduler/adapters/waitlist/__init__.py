"""The waitlist's adapters: offer links, telling the patient, the delayed end of an offer and
the sweep that ends those whose message was lost."""
