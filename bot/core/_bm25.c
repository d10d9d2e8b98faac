/* Exact BM25 top-k for bot.core.index: the question's postings decoded and added up window by window, in C.
 *
 * top_k(offsets, term_blocks, block_docs, block_starts, block_kinds, postings, big_tf_at, big_tf,
 *       doc_lengths, idf, ratios, terms, k1, b, avgdl, block, ratio_tfs, k, lo, hi) -> [(doc, score), ...]
 *
 * The index arrays are those of bot.core.index (its docstring has the layout): postings in blocks of
 * `block`, each block's passage ids as gaps of 1-4 bytes after the first, its term frequencies as
 * bytes (or none when all are 1; TF_ESCAPE ones in big_tf); doc_lengths of 1, 2 or 4 bytes. ratios:
 * tf*(k1+1)/(tf + k1*(1-b+b*len/avgdl)) for tf < ratio_tfs and len < len(ratios)/ratio_tfs, row-major
 * by len. terms (int64): the question's term ids in question order, repeats kept; [lo, hi): the
 * documents that may be returned. The best k come first, equal scores in document order.
 *
 * Exactness: each posting's weight is idf * (tf*(k1+1) / (tf + k1*((1-b) + b*len/avgdl))), the very
 * operations of rank-bm25 in its order (setup.py turns off contraction into fused multiply-adds), read
 * from the table numpy filled with the same formula or computed here; a document's score is the sum
 * of its weights added in question order from 0.0: bit-identical to rank-bm25.
 * Speed: documents are scored a window of WINDOW consecutive ids at a time, each window's scores in an
 * array small enough to stay in the CPU's cache, and a window starts at the next document any term
 * has: the work is the postings read, whatever the size of the corpus. A range [lo, hi) skips whole
 * blocks by their first ids. The GIL is released while scoring; no state outlives a call.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    double score;
    int32_t doc;
} Hit;

#define WINDOW 4096
#define TF_ESCAPE 255
#define TF_STORED 8
#define DONE INT64_MAX

typedef struct { /* the index, read-only */
    const int64_t *offsets, *term_blocks, *block_starts, *big_tf_at, *big_tf;
    const int32_t *block_docs;
    const uint8_t *block_kinds, *postings, *lengths;
    Py_ssize_t length_size, n_big;
    const double *idf, *ratios;
    Py_ssize_t ratio_rows, ratio_tfs, block;
    double k1, b, avgdl;
} Index;

typedef struct { /* one question token's place in its postings: its current block decoded */
    int64_t *docs;       /* the block's passage ids, then DONE (a sentinel) */
    double *weights;     /* the block's BM25 weights */
    int32_t i, n;        /* the current posting within the block; the block's postings */
    int64_t block, stop; /* the current block; one past the term's last block */
    int64_t first;       /* the current block's first posting position (for big_tf) */
    int64_t term_end;    /* one past the term's last posting position */
    double idf;
} Cursor;

static inline double ratio_of(const Index *ix, int64_t tf, int64_t len) {
    if (tf < ix->ratio_tfs && len < ix->ratio_rows) return ix->ratios[len * ix->ratio_tfs + tf];
    double f = (double)tf;
    return f * (ix->k1 + 1.0) / (f + ix->k1 * ((1.0 - ix->b) + ix->b * (double)len / ix->avgdl));
}

static int64_t big_tf(const Index *ix, int64_t at) { /* big_tf_at is sorted */
    int64_t l = 0, h = ix->n_big;
    while (l < h) {
        int64_t mid = l + (h - l) / 2;
        if (ix->big_tf_at[mid] < at) l = mid + 1;
        else h = mid;
    }
    return l < ix->n_big && ix->big_tf_at[l] == at ? ix->big_tf[l] : TF_ESCAPE;
}

static inline __attribute__((always_inline)) int64_t gap_at(const uint8_t *g, int width) {
    switch (width) {
    case 1: return g[0];
    case 2: return g[0] | (int64_t)g[1] << 8;
    case 3: return g[0] | (int64_t)g[1] << 8 | (int64_t)g[2] << 16;
    default: return g[0] | (int64_t)g[1] << 8 | (int64_t)g[2] << 16 | (int64_t)g[3] << 24;
    }
}

static inline __attribute__((always_inline)) int64_t length_at(const uint8_t *lengths, int size, int64_t doc) {
    switch (size) {
    case 1: return lengths[doc];
    case 2: return ((const uint16_t *)lengths)[doc];
    default: return ((const uint32_t *)lengths)[doc];
    }
}

/* One loop over a block's postings: passage id, length, term frequency, weight. `width` and `size` are
 * constants where it is called, so the compiler makes one straight loop of each kind. */
static inline __attribute__((always_inline)) void decode(const Index *ix, Cursor *c, const uint8_t *g,
                                                         const uint8_t *tfs, int64_t doc, int32_t n, int64_t first,
                                                         const int width, const int size) {
    int64_t *restrict docs = c->docs;
    double *restrict weights = c->weights;
    const double idf = c->idf, *restrict ratios = ix->ratios;
    const int64_t tfs_per_row = ix->ratio_tfs, rows = ix->ratio_rows;
    for (int32_t j = 0; j < n; j++) {
        if (j) doc += gap_at(g + (int64_t)width * (j - 1), width);
        docs[j] = doc;
        int64_t len = length_at(ix->lengths, size, doc), tf = tfs ? tfs[j] : 1;
        if (tf == TF_ESCAPE) tf = big_tf(ix, first + j);
        weights[j] = idf * (tf < tfs_per_row && len < rows ? ratios[len * tfs_per_row + tf] : ratio_of(ix, tf, len));
    }
    docs[n] = DONE;
}

#define DECODE_WIDTH(size)                                                                                            \
    switch (width) {                                                                                                 \
    case 1: decode(ix, c, g, tfs, doc, n, first, 1, size); break;                                                   \
    case 2: decode(ix, c, g, tfs, doc, n, first, 2, size); break;                                                   \
    case 3: decode(ix, c, g, tfs, doc, n, first, 3, size); break;                                                   \
    default: decode(ix, c, g, tfs, doc, n, first, 4, size);                                                          \
    }

/* decodes a block: its passage ids and their weights idf * ratio(tf, length) */
static void open_block(const Index *ix, Cursor *c, int64_t block, int64_t first) {
    uint8_t kind = ix->block_kinds[block];
    int64_t left = c->term_end - first;
    int32_t n = (int32_t)(left < ix->block ? left : ix->block), width = kind & 7;
    const uint8_t *g = ix->postings + ix->block_starts[block];
    const uint8_t *tfs = (kind & TF_STORED) ? g + (int64_t)width * (n - 1) : NULL;
    int64_t doc = ix->block_docs[block];
    switch (ix->length_size) {
    case 1: DECODE_WIDTH(1) break;
    case 2: DECODE_WIDTH(2) break;
    default: DECODE_WIDTH(4)
    }
    c->block = block;
    c->first = first;
    c->n = n;
    c->i = 0;
}

/* the next posting, across blocks; docs[i] is DONE past the last */
static inline void next_block(const Index *ix, Cursor *c) {
    if (c->block + 1 >= c->stop) return;
    int64_t last = c->n ? c->docs[c->n - 1] : -1;
    open_block(ix, c, c->block + 1, c->first + c->n);
    if (c->docs[0] <= last) { /* ids going back: only a damaged file, whose check missed it; its term ends */
        c->stop = 0;
        c->i = c->n;
    }
}

static inline int64_t current(const Cursor *c) { return c->docs[c->i]; }

static void finish(Cursor *c) { /* past hi: nothing more to read */
    c->stop = 0;
    c->i = c->n;
}

/* the cursor on term t's first posting with a passage >= lo, DONE past hi */
static void seek(const Index *ix, Cursor *c, int64_t t, int64_t lo, int64_t hi) {
    int64_t b0 = ix->term_blocks[t], b1 = ix->term_blocks[t + 1];
    c->stop = b1;
    c->term_end = ix->offsets[t + 1];
    c->idf = ix->idf[t];
    c->n = c->i = 0;
    c->docs[0] = DONE;
    if (b0 >= b1) return;
    int64_t l = b0, h = b1; /* the last block whose first passage is <= lo (or the first block) */
    while (h - l > 1) {
        int64_t mid = l + (h - l) / 2;
        if (ix->block_docs[mid] <= lo) l = mid;
        else h = mid;
    }
    open_block(ix, c, l, ix->offsets[t] + (l - b0) * ix->block);
    for (;;) {
        while (current(c) < lo) c->i++;
        if (c->i < c->n || c->block + 1 >= c->stop) break;
        next_block(ix, c);
    }
    if (current(c) >= hi) finish(c);
}

/* a ranks below b: a lower score, or the same score and a later document */
static inline int worse(Hit a, Hit b) { return a.score < b.score || (a.score == b.score && a.doc > b.doc); }

static void sift_down(Hit *heap, Py_ssize_t size, Py_ssize_t i) { /* min-heap on `worse` */
    for (;;) {
        Py_ssize_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < size && worse(heap[l], heap[m])) m = l;
        if (r < size && worse(heap[r], heap[m])) m = r;
        if (m == i) return;
        Hit t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

static void sift_up(Hit *heap, Py_ssize_t i) {
    while (i > 0) {
        Py_ssize_t p = (i - 1) / 2;
        if (!worse(heap[i], heap[p])) return;
        Hit t = heap[i];
        heap[i] = heap[p];
        heap[p] = t;
        i = p;
    }
}

static int by_rank(const void *a, const void *b) {
    Hit x = *(const Hit *)a, y = *(const Hit *)b;
    return worse(y, x) ? -1 : worse(x, y) ? 1 : 0;
}

/* The search proper, one cursor per question token; returns the number of hits in heap, best first. */
static Py_ssize_t search(const Index *ix, Cursor *cur, Py_ssize_t n_query, int64_t hi, Hit *heap, Py_ssize_t k,
                         double *window, uint8_t *seen, int32_t *touched) {
    Py_ssize_t size = 0;
    for (;;) {
        int64_t start = DONE;
        for (Py_ssize_t q = 0; q < n_query; q++)
            if (current(&cur[q]) < start) start = current(&cur[q]);
        if (start == DONE) break;
        int64_t stop = start + WINDOW < hi ? start + WINDOW : hi;
        Py_ssize_t n_touched = 0;
        for (Py_ssize_t q = 0; q < n_query; q++) { /* question order: the reference's additions */
            Cursor *c = &cur[q];
            for (;;) {
                const int64_t *docs = c->docs;
                const double *w = c->weights;
                int32_t i = c->i;
                for (int64_t doc; (doc = docs[i]) < stop; i++) { /* the sentinel DONE ends a block */
                    int32_t d = (int32_t)(doc - start);
                    touched[n_touched] = d;
                    n_touched += !seen[d];
                    seen[d] = 1;
                    window[d] += w[i];
                }
                c->i = i;
                if (i < c->n || c->block + 1 >= c->stop) break;
                next_block(ix, c);
            }
            if (current(c) >= hi) finish(c);
        }
        for (Py_ssize_t i = 0; i < n_touched; i++) {
            int32_t d = touched[i];
            Hit h = {window[d], (int32_t)(start + d)};
            window[d] = 0.0;
            seen[d] = 0;
            if (size < k) {
                heap[size] = h;
                sift_up(heap, size++);
            } else if (worse(heap[0], h)) {
                heap[0] = h;
                sift_down(heap, size, 0);
            }
        }
    }
    qsort(heap, size, sizeof(Hit), by_rank);
    return size;
}

/* itemsize 0: any of 1, 2 or 4 bytes (the passage lengths) */
static int get_buffer(PyObject *obj, Py_buffer *view, const char *name, Py_ssize_t itemsize) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    int ok = itemsize ? view->itemsize == itemsize : (view->itemsize == 1 || view->itemsize == 2 || view->itemsize == 4);
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "%s: items of %zd bytes expected, got %zd", name, itemsize, view->itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

#define N_ARRAYS 12

static PyObject *top_k(PyObject *self, PyObject *args) {
    PyObject *objs[N_ARRAYS];
    Index ix;
    Py_ssize_t k, lo, hi;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOdddnnnnn", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4],
                          &objs[5], &objs[6], &objs[7], &objs[8], &objs[9], &objs[10], &objs[11], &ix.k1, &ix.b,
                          &ix.avgdl, &ix.block, &ix.ratio_tfs, &k, &lo, &hi))
        return NULL;
    static const char *names[N_ARRAYS] = {"offsets",   "term_blocks", "block_docs", "block_starts",
                                          "block_kinds", "postings",  "big_tf_at",  "big_tf",
                                          "doc_lengths", "idf",       "ratios",     "terms"};
    static const Py_ssize_t sizes[N_ARRAYS] = {8, 8, 4, 8, 1, 1, 8, 8, 0, 8, 8, 8};
    Py_buffer views[N_ARRAYS];
    int got = 0;
    for (; got < N_ARRAYS; got++)
        if (get_buffer(objs[got], &views[got], names[got], sizes[got]) < 0) break;
    PyObject *result = NULL;
    Cursor *cur = NULL;
    void *buffers = NULL;
    Hit *heap = NULL;
    double *window = NULL;
    uint8_t *seen = NULL;
    int32_t *touched = NULL;
    if (got < N_ARRAYS) goto done;

    ix.offsets = views[0].buf;
    ix.term_blocks = views[1].buf;
    ix.block_docs = views[2].buf;
    ix.block_starts = views[3].buf;
    ix.block_kinds = views[4].buf;
    ix.postings = views[5].buf;
    ix.big_tf_at = views[6].buf;
    ix.big_tf = views[7].buf;
    ix.lengths = views[8].buf;
    ix.length_size = views[8].itemsize;
    ix.idf = views[9].buf;
    ix.ratios = views[10].buf;
    ix.n_big = views[6].len / 8;
    ix.ratio_rows = ix.ratio_tfs > 0 ? views[10].len / 8 / ix.ratio_tfs : 0;
    const int64_t *terms = views[11].buf;
    Py_ssize_t n_terms = views[1].len / 8 - 1, n_query = views[11].len / 8;
    Py_ssize_t n_docs = views[8].len / views[8].itemsize;
    if (hi > n_docs) hi = n_docs;
    if (lo < 0) lo = 0;
    if (k <= 0 || lo >= hi || n_query == 0) {
        result = PyList_New(0);
        goto done;
    }
    if (ix.block <= 0 || views[0].len != views[1].len || views[7].len != views[6].len) {
        PyErr_SetString(PyExc_ValueError, "the index arrays do not fit together");
        goto done;
    }
    cur = calloc(n_query, sizeof(Cursor));
    buffers = malloc((sizeof(int64_t) + sizeof(double)) * (ix.block + 1) * n_query);
    heap = malloc(sizeof(Hit) * k);
    window = calloc(WINDOW, sizeof(double));
    seen = calloc(WINDOW, 1);
    touched = malloc(sizeof(int32_t) * (WINDOW + 1));
    if (!cur || !buffers || !heap || !window || !seen || !touched) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t q = 0; q < n_query; q++)
        if (terms[q] < 0 || terms[q] >= n_terms) {
            PyErr_Format(PyExc_IndexError, "term id %lld out of range", (long long)terms[q]);
            goto done;
        }
    for (Py_ssize_t q = 0; q < n_query; q++) {
        cur[q].docs = (int64_t *)buffers + q * (ix.block + 1);
        cur[q].weights = (double *)((int64_t *)buffers + n_query * (ix.block + 1)) + q * (ix.block + 1);
    }
    Py_ssize_t size;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t q = 0; q < n_query; q++) seek(&ix, &cur[q], terms[q], lo, hi);
    size = search(&ix, cur, n_query, hi, heap, k, window, seen, touched);
    Py_END_ALLOW_THREADS
    result = PyList_New(size);
    for (Py_ssize_t i = 0; result && i < size; i++) {
        PyObject *pair = Py_BuildValue("(id)", heap[i].doc, heap[i].score);
        if (!pair) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, i, pair);
    }
done:
    free(cur);
    free(buffers);
    free(heap);
    free(window);
    free(seen);
    free(touched);
    for (int i = 0; i < got; i++) PyBuffer_Release(&views[i]);
    return result;
}

static PyMethodDef methods[] = {
    {"top_k", top_k, METH_VARARGS, "Exact BM25 top-k over the compact inverted index (see the module source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_bm25", "Exact BM25 top-k in C.", -1, methods};

PyMODINIT_FUNC PyInit__bm25(void) { return PyModule_Create(&module); }
