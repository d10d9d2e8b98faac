/* Exact BM25 top-k for bot.core.index: the question's postings decoded and added up window by window, in C;
 * and build_postings, which makes the index's arrays (see it below).
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
#include <string.h>

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

/* ---------------------------------------------------------------- building
 *
 * build_postings(term_ids, lengths, n_terms, block) -> (offsets, term_blocks, block_docs, block_starts,
 *     block_kinds, postings, big_tf_at, big_tf) as bytearrays, the arrays of bot.core.index's layout:
 * every document's term ids (int32) end to end, `lengths` (int64) how many are each document's. Two
 * passes over the tokens (document frequencies, then each term's postings in document order with
 * their term frequencies), then each term's blocks encoded: the same bytes as index.py's numpy build.
 */
typedef struct {
    uint8_t *data;
    int64_t len, cap;
} Bytes;

static int put(Bytes *b, const void *items, int64_t n) {
    if (b->len + n > b->cap) {
        int64_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        uint8_t *p = realloc(b->data, (size_t)cap);
        if (!p) return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, items, (size_t)n);
    b->len += n;
    return 0;
}

typedef struct { /* what build() makes; every pointer malloc'd */
    int64_t *offsets, *term_blocks, n_blocks;
    Bytes block_docs, block_starts, block_kinds, postings, big_tf_at, big_tf;
} Built;

/* 0, or -1 when out of memory */
static int build(const int32_t *ids, const int64_t *lengths, int64_t n_docs, int64_t n_terms, int64_t block,
                 Built *out) {
    int rc = -1;
    int32_t *last = malloc(sizeof(int32_t) * (size_t)(n_terms ? n_terms : 1)), *docs = NULL, *tfs = NULL;
    int64_t *filled = malloc(sizeof(int64_t) * (size_t)(n_terms ? n_terms : 1));
    out->offsets = calloc((size_t)n_terms + 1, sizeof(int64_t));
    out->term_blocks = calloc((size_t)n_terms + 1, sizeof(int64_t));
    if (!last || !filled || !out->offsets || !out->term_blocks) goto done;
    int64_t *df = out->offsets + 1;
    for (int64_t t = 0; t < n_terms; t++) last[t] = -1;
    const int32_t *tok = ids;
    for (int64_t d = 0; d < n_docs; d++)
        for (int64_t j = 0; j < lengths[d]; j++, tok++)
            if (last[*tok] != (int32_t)d) {
                last[*tok] = (int32_t)d;
                df[*tok]++;
            }
    for (int64_t t = 0; t < n_terms; t++) {
        out->offsets[t + 1] += out->offsets[t];
        out->term_blocks[t + 1] = out->term_blocks[t] + (out->offsets[t + 1] - out->offsets[t] + block - 1) / block;
    }
    int64_t n_postings = out->offsets[n_terms];
    out->n_blocks = out->term_blocks[n_terms];
    docs = malloc(sizeof(int32_t) * (size_t)(n_postings ? n_postings : 1));
    tfs = malloc(sizeof(int32_t) * (size_t)(n_postings ? n_postings : 1));
    if (!docs || !tfs) goto done;
    memcpy(filled, out->offsets, sizeof(int64_t) * (size_t)n_terms);
    for (int64_t t = 0; t < n_terms; t++) last[t] = -1;
    tok = ids;
    for (int64_t d = 0; d < n_docs; d++)
        for (int64_t j = 0; j < lengths[d]; j++, tok++) {
            int32_t t = *tok;
            if (last[t] == (int32_t)d) {
                tfs[filled[t] - 1]++;
            } else {
                last[t] = (int32_t)d;
                docs[filled[t]] = (int32_t)d;
                tfs[filled[t]++] = 1;
            }
        }
    int64_t start = 0;
    if (put(&out->block_starts, &start, 8) < 0) goto done;
    for (int64_t t = 0; t < n_terms; t++)
        for (int64_t first = out->offsets[t]; first < out->offsets[t + 1]; first += block) {
            int64_t count = out->offsets[t + 1] - first < block ? out->offsets[t + 1] - first : block;
            int64_t widest = 0, most = 0;
            for (int64_t j = 0; j < count; j++) {
                if (j && docs[first + j] - docs[first + j - 1] > widest) widest = docs[first + j] - docs[first + j - 1];
                if (tfs[first + j] > most) most = tfs[first + j];
            }
            uint8_t width = widest < (1 << 8) ? 1 : widest < (1 << 16) ? 2 : widest < (1 << 24) ? 3 : 4;
            uint8_t kind = width + (most > 1 ? TF_STORED : 0);
            if (put(&out->block_docs, &docs[first], 4) < 0 || put(&out->block_kinds, &kind, 1) < 0) goto done;
            for (int64_t j = 1; j < count; j++) {
                uint32_t gap = (uint32_t)(docs[first + j] - docs[first + j - 1]);
                uint8_t bytes[4] = {gap & 0xFF, (gap >> 8) & 0xFF, (gap >> 16) & 0xFF, (gap >> 24) & 0xFF};
                if (put(&out->postings, bytes, width) < 0) goto done;
            }
            for (int64_t j = 0; most > 1 && j < count; j++) {
                uint8_t tf = tfs[first + j] < TF_ESCAPE ? (uint8_t)tfs[first + j] : TF_ESCAPE;
                if (put(&out->postings, &tf, 1) < 0) goto done;
                if (tfs[first + j] >= TF_ESCAPE) {
                    int64_t at = first + j, big = tfs[first + j];
                    if (put(&out->big_tf_at, &at, 8) < 0 || put(&out->big_tf, &big, 8) < 0) goto done;
                }
            }
            if (put(&out->block_starts, &out->postings.len, 8) < 0) goto done;
        }
    rc = 0;
done:
    free(last);
    free(filled);
    free(docs);
    free(tfs);
    return rc;
}

static void free_built(Built *b) {
    free(b->offsets);
    free(b->term_blocks);
    free(b->block_docs.data);
    free(b->block_starts.data);
    free(b->block_kinds.data);
    free(b->postings.data);
    free(b->big_tf_at.data);
    free(b->big_tf.data);
}

static PyObject *bytes_of(const void *data, int64_t len) {
    return PyByteArray_FromStringAndSize(len ? (const char *)data : "", (Py_ssize_t)len);
}

static PyObject *build_postings(PyObject *self, PyObject *args) {
    PyObject *ids_obj, *lengths_obj, *result = NULL;
    Py_ssize_t n_terms, block;
    if (!PyArg_ParseTuple(args, "OOnn:build_postings", &ids_obj, &lengths_obj, &n_terms, &block)) return NULL;
    Py_buffer ids, lengths;
    if (get_buffer(ids_obj, &ids, "term_ids", 4) < 0) return NULL;
    if (get_buffer(lengths_obj, &lengths, "lengths", 8) < 0) {
        PyBuffer_Release(&ids);
        return NULL;
    }
    Built built = {0};
    const int32_t *tok = ids.buf;
    const int64_t *len = lengths.buf;
    int64_t n_docs = lengths.len / 8, total = 0, negative = 0, bad = -1;
    for (int64_t d = 0; d < n_docs; d++) {
        negative |= len[d] < 0;
        total += len[d];
    }
    for (int64_t i = 0; !negative && total == ids.len / 4 && i < total && bad < 0; i++)
        if (tok[i] < 0 || tok[i] >= n_terms) bad = i;
    if (block <= 0 || n_terms < 0 || n_docs > INT32_MAX || negative || total != ids.len / 4) {
        PyErr_SetString(PyExc_ValueError, "build_postings: the lengths do not add up to the term ids");
        goto done;
    }
    if (bad >= 0) {
        PyErr_Format(PyExc_IndexError, "term id %d out of range", tok[bad]);
        goto done;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = build(tok, len, n_docs, n_terms, block, &built);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_BuildValue("(NNNNNNNN)", bytes_of(built.offsets, 8 * (n_terms + 1)),
                           bytes_of(built.term_blocks, 8 * (n_terms + 1)),
                           bytes_of(built.block_docs.data, built.block_docs.len),
                           bytes_of(built.block_starts.data, built.block_starts.len),
                           bytes_of(built.block_kinds.data, built.block_kinds.len),
                           bytes_of(built.postings.data, built.postings.len),
                           bytes_of(built.big_tf_at.data, built.big_tf_at.len),
                           bytes_of(built.big_tf.data, built.big_tf.len));
done:
    free_built(&built);
    PyBuffer_Release(&ids);
    PyBuffer_Release(&lengths);
    return result;
}

static PyMethodDef methods[] = {
    {"top_k", top_k, METH_VARARGS, "Exact BM25 top-k over the compact inverted index (see the module source)."},
    {"build_postings", build_postings, METH_VARARGS, "The compact inverted index's arrays from term ids (see the module source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_bm25", "Exact BM25 top-k, and building its index, in C.", -1, methods};

PyMODINIT_FUNC PyInit__bm25(void) { return PyModule_Create(&module); }
