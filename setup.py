"""The one thing pyproject.toml cannot say: an optional C helper (a PDF page's per-character
PDFium calls in one loop, `plan_etl/extract/pdf/pdfium/_loops.c`). Where no C compiler is
found the build goes on without it and plan-etl makes the same calls from Python (slower by
about a millisecond a page, same output)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "plan_etl.extract.pdf.pdfium._loops",
            ["src/plan_etl/extract/pdf/pdfium/_loops.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
