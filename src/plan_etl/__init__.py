"""plan-etl: Russian client-centricity roadmap decrees to one typed dataset."""

__version__ = "0.1.0"
