/* The look-up half of analysis in C, for bot.core.analysis.TermEncoder: raw chunks of text → term ids.
 *
 * ChunkTable() keeps whitespace-free chunks of raw text ("Negotiations,") and the term ids each one
 * analyses to. table.encode(texts, terms_of, max_chunks) -> (ids, lengths) splits each text where
 * str.split() does (Py_UNICODE_ISSPACE), looks each chunk up by its code points, and for a chunk it
 * does not hold calls terms_of(chunk) (the Python analyser: a sequence of term ids), keeping the answer
 * while it holds fewer than max_chunks chunks. ids: every text's term ids end to end (a bytearray of
 * int32); lengths: how many are each text's (a bytearray of int64). The analysis itself (NFKC, case
 * folding, words, stopwords, stems) stays in Python, so the terms are the same by construction; most
 * chunks of a corpus repeat, and those cost a hash of their code points and a probe here.
 *
 * renumber(ids, n_terms) -> (terms, local): int32 ids below n_terms numbered again by first
 * occurrence: terms (int32) the ids in order of first occurrence, local (int32) each id's new number.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t hash;
    int64_t key_at, ids_at; /* where its code points start in keys, its term ids in ids */
    int32_t key_len, n_ids;
} Entry;

typedef struct {
    PyObject_HEAD
    int32_t *slots; /* open addressing: entry index + 1, 0 when free; a power of two of them */
    uint64_t mask;
    Entry *entries;
    Py_ssize_t n, entries_cap;
    Py_UCS4 *keys;
    Py_ssize_t keys_len, keys_cap;
    int32_t *ids;
    Py_ssize_t ids_len, ids_cap;
    int busy; /* inside encode (terms_of is Python: another thread could call in meanwhile) */
} ChunkTable;

typedef struct { /* a growing array of one C type */
    char *data;
    Py_ssize_t len, cap, item;
} Buffer;

static int grow(void **data, Py_ssize_t *cap, Py_ssize_t need, size_t item) {
    if (need <= *cap) return 0;
    Py_ssize_t cap2 = *cap ? *cap : 256;
    while (cap2 < need) cap2 *= 2;
    void *p = realloc(*data, (size_t)cap2 * item);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    *data = p;
    *cap = cap2;
    return 0;
}

static int push(Buffer *b, const void *items, Py_ssize_t count) {
    if (grow((void **)&b->data, &b->cap, b->len + count, b->item) < 0) return -1;
    memcpy(b->data + b->len * b->item, items, (size_t)count * b->item);
    b->len += count;
    return 0;
}

static PyObject *bytearray_of(const Buffer *b) {
    return PyByteArray_FromStringAndSize(b->len ? b->data : "", b->len * b->item);
}

static void table_dealloc(ChunkTable *t) {
    free(t->slots);
    free(t->entries);
    free(t->keys);
    free(t->ids);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static int table_init(ChunkTable *t, PyObject *args, PyObject *kwds) {
    static char *names[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":ChunkTable", names)) return -1;
    return 0;
}

/* FNV-1a over the code points: the same chunk hashes alike in a 1-, 2- or 4-byte string. */
#define FNV_START 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static Py_ssize_t find(const ChunkTable *t, uint64_t hash, int kind, const void *data, Py_ssize_t start,
                       Py_ssize_t len, uint64_t *slot_out) {
    if (!t->slots) return -1;
    for (uint64_t s = hash & t->mask;; s = (s + 1) & t->mask) {
        int32_t e = t->slots[s];
        if (e == 0) {
            *slot_out = s;
            return -1;
        }
        const Entry *entry = &t->entries[e - 1];
        if (entry->hash != hash || entry->key_len != len) continue;
        const Py_UCS4 *key = t->keys + entry->key_at;
        Py_ssize_t j = 0;
        while (j < len && key[j] == PyUnicode_READ(kind, data, start + j)) j++;
        if (j == len) return e - 1;
    }
}

static int rehash(ChunkTable *t, Py_ssize_t capacity) {
    int32_t *slots = calloc((size_t)capacity, sizeof(int32_t));
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    uint64_t mask = (uint64_t)capacity - 1;
    for (Py_ssize_t e = 0; e < t->n; e++) {
        uint64_t s = t->entries[e].hash & mask;
        while (slots[s]) s = (s + 1) & mask;
        slots[s] = (int32_t)(e + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->mask = mask;
    return 0;
}

/* Keeps a chunk and its term ids (the caller found it absent). */
static int insert(ChunkTable *t, uint64_t hash, int kind, const void *data, Py_ssize_t start, Py_ssize_t len,
                  const int32_t *ids, Py_ssize_t n_ids) {
    if (t->n >= INT32_MAX - 1) return 0; /* slots hold 32-bit indexes: a larger table is only slower */
    if (!t->slots || (uint64_t)(t->n + 1) * 2 > t->mask + 1) {
        if (rehash(t, t->slots ? (Py_ssize_t)(t->mask + 1) * 2 : 1024) < 0) return -1;
    }
    if (grow((void **)&t->entries, &t->entries_cap, t->n + 1, sizeof(Entry)) < 0 ||
        grow((void **)&t->keys, &t->keys_cap, t->keys_len + len, sizeof(Py_UCS4)) < 0 ||
        grow((void **)&t->ids, &t->ids_cap, t->ids_len + n_ids, sizeof(int32_t)) < 0)
        return -1;
    Entry *entry = &t->entries[t->n];
    entry->hash = hash;
    entry->key_at = t->keys_len;
    entry->key_len = (int32_t)len;
    entry->ids_at = t->ids_len;
    entry->n_ids = (int32_t)n_ids;
    for (Py_ssize_t j = 0; j < len; j++) t->keys[t->keys_len + j] = PyUnicode_READ(kind, data, start + j);
    t->keys_len += len;
    if (n_ids) memcpy(t->ids + t->ids_len, ids, (size_t)n_ids * sizeof(int32_t));
    t->ids_len += n_ids;
    uint64_t s = hash & t->mask;
    while (t->slots[s]) s = (s + 1) & t->mask;
    t->slots[s] = (int32_t)(++t->n);
    return 0;
}

/* terms_of(chunk) for a chunk the table lacks: its ids onto out, and kept while the table has room. */
static int analyse_chunk(ChunkTable *t, PyObject *text, int kind, const void *data, Py_ssize_t start,
                         Py_ssize_t len, uint64_t hash, PyObject *terms_of, Py_ssize_t max_chunks, Buffer *out,
                         Buffer *scratch) {
    PyObject *chunk = PyUnicode_Substring(text, start, start + len);
    if (!chunk) return -1;
    PyObject *result = PyObject_CallOneArg(terms_of, chunk);
    Py_DECREF(chunk);
    if (!result) return -1;
    PyObject *seq = PySequence_Fast(result, "terms_of must return a sequence of term ids");
    Py_DECREF(result);
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    scratch->len = 0;
    if (grow((void **)&scratch->data, &scratch->cap, n, sizeof(int32_t)) < 0) goto fail;
    int32_t *ids = (int32_t *)scratch->data;
    for (Py_ssize_t j = 0; j < n; j++) {
        long id = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, j));
        if (id == -1 && PyErr_Occurred()) goto fail;
        if (id < 0 || id > INT32_MAX) {
            PyErr_Format(PyExc_ValueError, "term id %ld out of the int32 range", id);
            goto fail;
        }
        ids[j] = (int32_t)id;
    }
    Py_DECREF(seq);
    if (push(out, ids, n) < 0) return -1;
    /* terms_of cannot have put it in meanwhile: encode is not re-entered (busy) */
    return t->n < max_chunks ? insert(t, hash, kind, data, start, len, ids, n) : 0;
fail:
    Py_DECREF(seq);
    return -1;
}

static inline __attribute__((always_inline)) int encode_text(ChunkTable *t, PyObject *text, int kind,
                                                             const void *data, Py_ssize_t size, PyObject *terms_of,
                                                             Py_ssize_t max_chunks, Buffer *out, Buffer *scratch) {
    Py_ssize_t i = 0;
    for (;;) {
        while (i < size && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) i++;
        if (i >= size) return 0;
        Py_ssize_t start = i;
        uint64_t hash = FNV_START;
        for (; i < size; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (Py_UNICODE_ISSPACE(c)) break;
            hash = (hash ^ c) * FNV_PRIME;
        }
        uint64_t slot;
        Py_ssize_t e = find(t, hash, kind, data, start, i - start, &slot);
        if (e >= 0) {
            if (push(out, t->ids + t->entries[e].ids_at, t->entries[e].n_ids) < 0) return -1;
        } else if (analyse_chunk(t, text, kind, data, start, i - start, hash, terms_of, max_chunks, out, scratch) < 0) {
            return -1;
        }
    }
}

static PyObject *table_encode(ChunkTable *t, PyObject *args) {
    PyObject *texts, *terms_of, *result = NULL;
    Py_ssize_t max_chunks;
    if (!PyArg_ParseTuple(args, "OOn:encode", &texts, &terms_of, &max_chunks)) return NULL;
    if (t->busy) {
        PyErr_SetString(PyExc_RuntimeError, "ChunkTable.encode is already running (one thread at a time)");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(texts, "texts must be a sequence of str");
    if (!seq) return NULL;
    Py_ssize_t n_texts = PySequence_Fast_GET_SIZE(seq);
    Buffer out = {NULL, 0, 0, sizeof(int32_t)}, lengths = {NULL, 0, 0, sizeof(int64_t)};
    Buffer scratch = {NULL, 0, 0, sizeof(int32_t)};
    t->busy = 1;
    for (Py_ssize_t k = 0; k < n_texts; k++) {
        PyObject *text = PySequence_Fast_GET_ITEM(seq, k);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "texts[%zd] is %.100s, not str", k, Py_TYPE(text)->tp_name);
            goto done;
        }
        Py_INCREF(text); /* terms_of could change the sequence */
        Py_ssize_t before = out.len, size = PyUnicode_GET_LENGTH(text);
        const void *data = PyUnicode_DATA(text);
        int failed;
        switch (PyUnicode_KIND(text)) { /* one specialised loop per width */
        case PyUnicode_1BYTE_KIND:
            failed = encode_text(t, text, PyUnicode_1BYTE_KIND, data, size, terms_of, max_chunks, &out, &scratch);
            break;
        case PyUnicode_2BYTE_KIND:
            failed = encode_text(t, text, PyUnicode_2BYTE_KIND, data, size, terms_of, max_chunks, &out, &scratch);
            break;
        default:
            failed = encode_text(t, text, PyUnicode_4BYTE_KIND, data, size, terms_of, max_chunks, &out, &scratch);
        }
        Py_DECREF(text);
        int64_t count = out.len - before;
        if (failed < 0 || push(&lengths, &count, 1) < 0) goto done;
    }
    PyObject *ids = bytearray_of(&out), *counts = ids ? bytearray_of(&lengths) : NULL;
    if (ids && counts) result = PyTuple_Pack(2, ids, counts);
    Py_XDECREF(ids);
    Py_XDECREF(counts);
done:
    t->busy = 0;
    free(out.data);
    free(lengths.data);
    free(scratch.data);
    Py_DECREF(seq);
    return result;
}

static Py_ssize_t table_length(ChunkTable *t) { return t->n; } /* len(): the chunks it holds */

static PyMethodDef table_methods[] = {
    {"encode", (PyCFunction)table_encode, METH_VARARGS,
     "encode(texts, terms_of, max_chunks) -> (int32 ids, int64 lengths) as bytearrays (see the module source)."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods table_as_sequence = {.sq_length = (lenfunc)table_length};

static PyTypeObject ChunkTableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "bot.core._analysis.ChunkTable",
    .tp_basicsize = sizeof(ChunkTable),
    .tp_dealloc = (destructor)table_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Raw chunks of text → their term ids (see the module source).",
    .tp_methods = table_methods,
    .tp_as_sequence = &table_as_sequence,
    .tp_init = (initproc)table_init,
    .tp_new = PyType_GenericNew,
};

static PyObject *renumber(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t n_terms;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*n:renumber", &view, &n_terms)) return NULL;
    int32_t *first = NULL;
    Buffer terms = {NULL, 0, 0, sizeof(int32_t)};
    PyObject *local = NULL;
    if (view.len % 4 || n_terms < 0 || n_terms > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "renumber takes int32 ids and a term count under 2**31");
        goto done;
    }
    Py_ssize_t n = view.len / 4;
    const int32_t *ids = view.buf;
    first = malloc((size_t)(n_terms ? n_terms : 1) * sizeof(int32_t));
    local = PyByteArray_FromStringAndSize(NULL, view.len);
    if (!first || !local) {
        if (!first) PyErr_NoMemory();
        goto done;
    }
    memset(first, 0xff, (size_t)n_terms * sizeof(int32_t)); /* -1: not met yet */
    int32_t *out = (int32_t *)PyByteArray_AS_STRING(local);
    for (Py_ssize_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        if (id < 0 || id >= n_terms) {
            PyErr_Format(PyExc_IndexError, "term id %d out of range", id);
            goto done;
        }
        if (first[id] < 0) {
            first[id] = (int32_t)terms.len;
            if (push(&terms, &id, 1) < 0) goto done;
        }
        out[i] = first[id];
    }
    PyObject *order = bytearray_of(&terms);
    if (order) {
        result = PyTuple_Pack(2, order, local);
        Py_DECREF(order);
    }
done:
    Py_XDECREF(local);
    free(first);
    free(terms.data);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"renumber", renumber, METH_VARARGS,
     "renumber(int32 ids, n_terms) -> (ids in order of first occurrence, each id's new number), int32 bytearrays."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_analysis", "Chunks of text to term ids, in C.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__analysis(void) {
    if (PyType_Ready(&ChunkTableType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&ChunkTableType);
    if (PyModule_AddObject(m, "ChunkTable", (PyObject *)&ChunkTableType) < 0) {
        Py_DECREF(&ChunkTableType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
