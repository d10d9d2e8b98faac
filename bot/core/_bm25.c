/* Exact BM25 top-k for bot.core.index: the question's postings added up window by window, in C.
 *
 * top_k(doc_ids, weights, offsets, terms, k, lo, hi) -> [(doc, score), ...]
 *
 * doc_ids (int32, ascending within a term), weights (float64), offsets (int64): the index; terms
 * (int64): the question's term ids in question order, repeats kept; [lo, hi): the documents that may
 * be returned. The best k come first, equal scores in document order.
 *
 * Exactness: a document's score is the sum of its weights added in question order from 0.0, the very
 * additions of BM25Index.scores (and of rank-bm25), so scores are bit-identical.
 * Speed: documents are scored a window of WINDOW consecutive ids at a time, each window's scores in an
 * array small enough to stay in the CPU's cache, and a window starts at the next document any term
 * has: the work is the postings read, whatever the size of the corpus. The GIL is released while
 * scoring; no state outlives a call.
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

typedef struct {
    const int32_t *ids;
    const double *w;
    Py_ssize_t pos, end;
} Cursor;

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

/* first position p in [from, end) with ids[p] >= value (end if none): gallop, then bisect */
static Py_ssize_t seek(const int32_t *ids, Py_ssize_t from, Py_ssize_t end, int64_t value) {
    if (from >= end || ids[from] >= value) return from;
    Py_ssize_t step = 1, lo = from, hi = from + 1; /* ids[lo] < value */
    while (hi < end && ids[hi] < value) {
        lo = hi;
        step *= 2;
        hi = lo + step;
    }
    if (hi > end) hi = end;
    while (lo + 1 < hi) { /* ids[lo] < value <= ids[hi] (or hi == end) */
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < value) lo = mid;
        else hi = mid;
    }
    return hi;
}

/* The search proper, one cursor per question token; returns the number of hits in heap, best first. */
static Py_ssize_t search(Cursor *cur, Py_ssize_t n_query, Hit *heap, Py_ssize_t k, double *window,
                         uint8_t *seen, int32_t *touched) {
    Py_ssize_t size = 0;
    for (;;) {
        int64_t start = INT64_MAX;
        for (Py_ssize_t q = 0; q < n_query; q++)
            if (cur[q].pos < cur[q].end && cur[q].ids[cur[q].pos] < start) start = cur[q].ids[cur[q].pos];
        if (start == INT64_MAX) break;
        int64_t stop = start + WINDOW;
        Py_ssize_t n_touched = 0;
        for (Py_ssize_t q = 0; q < n_query; q++) { /* question order: the reference's additions */
            Cursor *c = &cur[q];
            const int32_t *ids = c->ids;
            const double *w = c->w;
            Py_ssize_t p = c->pos, end = c->end;
            for (; p < end && ids[p] < stop; p++) {
                int32_t d = (int32_t)(ids[p] - start);
                touched[n_touched] = d;
                n_touched += !seen[d];
                seen[d] = 1;
                window[d] += w[p];
            }
            c->pos = p;
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

static int get_buffer(PyObject *obj, Py_buffer *view, const char *name, Py_ssize_t itemsize) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: items of %zd bytes expected, got %zd", name, itemsize, view->itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *top_k(PyObject *self, PyObject *args) {
    PyObject *objs[4];
    Py_ssize_t k, lo, hi;
    if (!PyArg_ParseTuple(args, "OOOOnnn", &objs[0], &objs[1], &objs[2], &objs[3], &k, &lo, &hi)) return NULL;
    static const char *names[4] = {"doc_ids", "weights", "offsets", "terms"};
    static const Py_ssize_t sizes[4] = {4, 8, 8, 8};
    Py_buffer views[4];
    int got = 0;
    for (; got < 4; got++)
        if (get_buffer(objs[got], &views[got], names[got], sizes[got]) < 0) break;
    PyObject *result = NULL;
    Cursor *cur = NULL;
    Hit *heap = NULL;
    double *window = NULL;
    uint8_t *seen = NULL;
    int32_t *touched = NULL;
    if (got < 4) goto done;

    const int32_t *doc_ids = views[0].buf;
    const double *weights = views[1].buf;
    const int64_t *offsets = views[2].buf;
    const int64_t *terms = views[3].buf;
    Py_ssize_t n_terms = views[2].len / 8 - 1, n_query = views[3].len / 8;
    if (k <= 0 || lo >= hi || n_query == 0) {
        result = PyList_New(0);
        goto done;
    }
    cur = malloc(sizeof(Cursor) * n_query);
    heap = malloc(sizeof(Hit) * k);
    window = calloc(WINDOW, sizeof(double));
    seen = calloc(WINDOW, 1);
    touched = malloc(sizeof(int32_t) * (WINDOW + 1));
    if (!cur || !heap || !window || !seen || !touched) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t q = 0; q < n_query; q++) {
        int64_t t = terms[q];
        if (t < 0 || t >= n_terms) {
            PyErr_Format(PyExc_IndexError, "term id %lld out of range", (long long)t);
            goto done;
        }
        Py_ssize_t n = offsets[t + 1] - offsets[t];
        cur[q].ids = doc_ids + offsets[t];
        cur[q].w = weights + offsets[t];
        cur[q].pos = seek(cur[q].ids, 0, n, lo);
        cur[q].end = seek(cur[q].ids, cur[q].pos, n, hi);
    }
    Py_ssize_t size;
    Py_BEGIN_ALLOW_THREADS
    size = search(cur, n_query, heap, k, window, seen, touched);
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
    free(heap);
    free(window);
    free(seen);
    free(touched);
    for (int i = 0; i < got; i++) PyBuffer_Release(&views[i]);
    return result;
}

static PyMethodDef methods[] = {
    {"top_k", top_k, METH_VARARGS, "Exact BM25 top-k over an inverted index (see the module source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_bm25", "Exact BM25 top-k in C.", -1, methods};

PyMODINIT_FUNC PyInit__bm25(void) { return PyModule_Create(&module); }
