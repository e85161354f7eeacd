/* The per-character loop of a PDFium text page in C: an optional speed-up of
 * `calls.objects_and_origins`, which makes the same two calls a character from Python.
 *
 * Built with the package when a C compiler is there (setup.py, an optional extension) and
 * loaded by cffi as a plain shared library: it uses no Python API, and PDFium's functions
 * come as addresses (those pypdfium2 loaded), so it links against nothing. Without it the
 * Python loop gives the same arrays, bit for bit (tests/test_pdfium.py compares them).
 */
#include <stdint.h>

/* Changed with any function's signature here and in `calls._C_DECLARATIONS`: a helper built
 * from another version of this file is not used (an installed package not rebuilt). */
int plan_etl_loops_version(void) { return 1; }

typedef uintptr_t (*text_object_fn)(uintptr_t textpage, int index);
typedef int (*char_origin_fn)(uintptr_t textpage, int index, double *x, double *y);

/* For each of the first `count` characters of `textpage`: its text object's address (0 for
 * none) into `keys`, its origin into `xs`, `ys`. `count` is the text page's own count, and
 * PDFium has an origin for every index below it (as `calls`' Python loop assumes too). */
void plan_etl_objects_and_origins(uintptr_t text_object, uintptr_t char_origin,
                                  uintptr_t textpage, int count, uint64_t *keys, double *xs,
                                  double *ys)
{
    text_object_fn object_of = (text_object_fn)text_object;
    char_origin_fn origin_of = (char_origin_fn)char_origin;
    for (int i = 0; i < count; i++) {
        keys[i] = (uint64_t)object_of(textpage, i);
        origin_of(textpage, i, xs + i, ys + i);
    }
}
