/* srcscan's AST copier: the part of srcscan/parse/ that visits every cursor, in C.
 *
 * srcscan/parse/convert.py can copy a translation unit through ctypes, one Python callback per cursor and
 * several foreign calls per field; on a large tree that costs more than libclang's parse.
 * This file does the same visit natively and hands Python one flat array of records (one
 * per node, in pre-order, with its depth) plus the strings they name. srcscan/parse/native.py compiles it
 * with the machine's C compiler on first use (it is srcscan's own code: nothing from an
 * analysed tree is ever compiled or run) and falls back to the ctypes copy when it cannot.
 *
 * libclang's headers are not installed with the PyPI wheel, so the few types and functions
 * used are declared here; they are part of libclang's stable C ABI. Cursor kind numbers are
 * given on the compiler's command line (-DK_CALL_EXPR=103 ...) from clang.cindex.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *CXTranslationUnit;
typedef void *CXFile;
typedef void *CXEvalResult;
typedef struct { int kind; int xdata; const void *data[3]; } CXCursor;
typedef struct { const void *ptr_data[2]; unsigned int_data; } CXSourceLocation;
typedef struct { const void *ptr_data[2]; unsigned begin_int_data; unsigned end_int_data; } CXSourceRange;
typedef struct { const void *data; unsigned private_flags; } CXString;
typedef struct { int kind; void *data[2]; } CXType;
typedef struct { unsigned count; CXSourceRange *ranges; } CXSourceRangeList;
typedef int (*CXCursorVisitor)(CXCursor, CXCursor, void *);
typedef void (*CXInclusionVisitor)(CXFile, CXSourceLocation *, unsigned, void *);

extern CXCursor clang_getTranslationUnitCursor(CXTranslationUnit);
extern unsigned clang_visitChildren(CXCursor, CXCursorVisitor, void *);
extern int clang_getCursorKind(CXCursor);
extern unsigned clang_isCursorDefinition(CXCursor);
extern CXSourceLocation clang_getCursorLocation(CXCursor);
extern CXSourceRange clang_getCursorExtent(CXCursor);
extern CXSourceLocation clang_getRangeStart(CXSourceRange);
extern CXSourceLocation clang_getRangeEnd(CXSourceRange);
extern void clang_getExpansionLocation(CXSourceLocation, CXFile *, unsigned *, unsigned *, unsigned *);
extern CXString clang_getFileName(CXFile);
extern const char *clang_getCString(CXString);
extern void clang_disposeString(CXString);
extern CXString clang_getCursorSpelling(CXCursor);
extern CXCursor clang_getCursorReferenced(CXCursor);
extern CXCursor clang_getCursorSemanticParent(CXCursor);
extern long long clang_getEnumConstantDeclValue(CXCursor);
extern int clang_getCursorBinaryOperatorKind(CXCursor);
extern int clang_getCursorUnaryOperatorKind(CXCursor);
extern CXEvalResult clang_Cursor_Evaluate(CXCursor);
extern int clang_EvalResult_getKind(CXEvalResult);
extern long long clang_EvalResult_getAsLongLong(CXEvalResult);
extern void clang_EvalResult_dispose(CXEvalResult);
extern CXType clang_getCursorType(CXCursor);
extern CXType clang_getCanonicalType(CXType);
extern CXCursor clang_getTypeDeclaration(CXType);
extern int clang_getCursorLinkage(CXCursor);
extern CXSourceRangeList *clang_getAllSkippedRanges(CXTranslationUnit);
extern void clang_disposeSourceRangeList(CXSourceRangeList *);
extern void clang_getInclusions(CXTranslationUnit, CXInclusionVisitor, void *);

/* One node. Field order keeps the 64-bit value aligned; srcscan/parse/native.py reads it with struct
 * format "<q14i" (RECORD_FORMAT), which must stay in step with this layout. */
typedef struct {
    int64_t value;
    int32_t kind, depth, line, col, start, end;
    int32_t file;      /* index into the file table, -1 for none */
    int32_t ref_kind;  /* kind of the referenced declaration, -1 for none */
    int32_t op;        /* operator kind, -1 for none */
    int32_t flags;     /* bit 0: value is set */
    int32_t name_off, name_len;  /* the name in the string buffer */
    int32_t owner_off, owner_len;  /* a member reference's struct, "file:line:col" of its declaration */
} Record;

typedef struct { char *data; size_t len, cap; } Buffer;

typedef struct {
    CXFile file;
    int32_t name_off, name_len;  /* path relative to the root, when in_tree */
    int32_t in_tree;
    int32_t used;  /* a node or a top-level declaration is in it (not only a skipped range or an #include) */
} FileEntry;

typedef struct {
    Buffer records, strings, files;  /* files: FileEntry array */
    Buffer skipped;  /* int32 triples: file index, first line, last line */
    Buffer includes;  /* int32 file indexes */
    const char *root;  /* with a trailing slash */
    size_t root_len;
    const char *main_path;  /* relative to root */
    int failed;
    CXFile last_file;  /* a one-entry cache in front of the linear file table search */
    int32_t last_index;
} Walk;

static void *grow(Walk *w, Buffer *b, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1 << 16;
        while (cap < b->len + n) cap *= 2;
        char *data = realloc(b->data, cap);
        if (!data) { w->failed = 1; return NULL; }
        b->data = data;
        b->cap = cap;
    }
    void *at = b->data + b->len;
    b->len += n;
    return at;
}

static int32_t add_string(Walk *w, const char *s, size_t n, int32_t *len_out) {
    int32_t off = (int32_t)w->strings.len;
    char *at = grow(w, &w->strings, n);
    if (at) memcpy(at, s, n);
    *len_out = (int32_t)n;
    return off;
}

static void add_cxstring(Walk *w, CXString cx, int32_t *off, int32_t *len) {
    const char *s = clang_getCString(cx);
    *off = add_string(w, s ? s : "", s ? strlen(s) : 0, len);
    clang_disposeString(cx);
}

/* os.path.normpath for an absolute path, in place: drops "", "." and resolves "..". */
static size_t normalize(char *path) {
    char *out = path;
    const char *p = path;
    size_t n = 0;
    if (*p != '/') return strlen(path);
    while (*p) {
        while (*p == '/') p++;
        const char *seg = p;
        while (*p && *p != '/') p++;
        size_t len = (size_t)(p - seg);
        if (len == 0 || (len == 1 && seg[0] == '.')) continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (n > 0 && out[n - 1] != '/') n--;
            if (n > 0) n--;
            continue;
        }
        out[n++] = '/';
        memmove(out + n, seg, len);
        n += len;
    }
    if (n == 0) out[n++] = '/';
    out[n] = 0;
    return n;
}

static int32_t file_index(Walk *w, CXFile file) {
    if (!file) return -1;
    if (file == w->last_file) return w->last_index;
    FileEntry *entries = (FileEntry *)w->files.data;
    size_t count = w->files.len / sizeof(FileEntry);
    for (size_t i = 0; i < count; i++) {
        if (entries[i].file == file) {
            w->last_file = file;
            return w->last_index = (int32_t)i;
        }
    }
    FileEntry entry = {file, 0, 0, 0, 0};
    CXString cx = clang_getFileName(file);
    const char *name = clang_getCString(cx);
    if (name) {
        size_t len = strlen(name);
        char *copy = malloc(len + 2);
        if (copy) {
            memcpy(copy, name, len + 1);
            size_t n = normalize(copy);
            if (n > w->root_len && strncmp(copy, w->root, w->root_len) == 0) {
                entry.in_tree = 1;
                entry.name_off = add_string(w, copy + w->root_len, n - w->root_len, &entry.name_len);
            }
            free(copy);
        } else {
            w->failed = 1;
        }
    }
    clang_disposeString(cx);
    FileEntry *at = grow(w, &w->files, sizeof(FileEntry));
    if (!at) return -1;
    *at = entry;
    w->last_file = file;
    return w->last_index = (int32_t)count;
}

static int32_t expansion(Walk *w, CXSourceLocation loc, int32_t *line, int32_t *col, int32_t *offset) {
    CXFile file = NULL;
    unsigned l = 0, c = 0, o = 0;
    clang_getExpansionLocation(loc, &file, &l, &c, &o);
    if (line) *line = (int32_t)l;
    if (col) *col = (int32_t)c;
    if (offset) *offset = (int32_t)o;
    int32_t index = file_index(w, file);
    if (index >= 0) ((FileEntry *)w->files.data)[index].used = 1;
    return index;
}

static int in_tree(Walk *w, int32_t index) {
    return index >= 0 && ((FileEntry *)w->files.data)[index].in_tree;
}

static int is_main(Walk *w, int32_t index) {
    if (!in_tree(w, index)) return 0;
    FileEntry *e = &((FileEntry *)w->files.data)[index];
    return (size_t)e->name_len == strlen(w->main_path) &&
           memcmp(w->strings.data + e->name_off, w->main_path, (size_t)e->name_len) == 0;
}

typedef struct { Walk *w; int first; } FieldVisit;

static int visit_field(CXCursor child, CXCursor parent, void *data) {
    (void)parent;
    FieldVisit *fv = data;
    if (clang_getCursorKind(child) == K_FIELD_DECL) {
        int32_t len;
        if (!fv->first) add_string(fv->w, ",", 1, &len);
        CXString cx = clang_getCursorSpelling(child);
        const char *s = clang_getCString(cx);
        add_string(fv->w, s ? s : "", s ? strlen(s) : 0, &len);
        clang_disposeString(cx);
        fv->first = 0;
    }
    return 1; /* CXChildVisit_Continue */
}

static void record_fields(Walk *w, CXCursor cursor, Record *r) {
    CXCursor decl = clang_getTypeDeclaration(clang_getCanonicalType(clang_getCursorType(cursor)));
    int kind = clang_getCursorKind(decl);
    r->name_off = (int32_t)w->strings.len;
    if (kind != K_STRUCT_DECL && kind != K_UNION_DECL) return;
    FieldVisit fv = {w, 1};
    clang_visitChildren(decl, visit_field, &fv);
    r->name_len = (int32_t)w->strings.len - r->name_off;
}

/* The struct or union a member reference's field belongs to, as the place it is declared:
   "file:line:col" (the file relative to the root when in the tree, else absolute; expansion
   location). Two structs with a field of one name are told apart by it (Node.owner). */
static void member_owner(Walk *w, CXCursor field, Record *r) {
    CXCursor parent = clang_getCursorSemanticParent(field);
    int kind = clang_getCursorKind(parent);
    if (kind != K_STRUCT_DECL && kind != K_UNION_DECL) return;
    CXFile file = NULL;
    unsigned line = 0, col = 0, off = 0;
    clang_getExpansionLocation(clang_getCursorLocation(parent), &file, &line, &col, &off);
    char text[4200];
    size_t n = 0;
    int32_t index = file_index(w, file);
    if (in_tree(w, index)) {
        FileEntry *e = &((FileEntry *)w->files.data)[index];
        n = (size_t)e->name_len < 4096 ? (size_t)e->name_len : 4096;
        memcpy(text, w->strings.data + e->name_off, n);
    } else if (file) {
        CXString cx = clang_getFileName(file);
        const char *s = clang_getCString(cx);
        if (s && strlen(s) < 4096) {
            memcpy(text, s, strlen(s) + 1);
            n = normalize(text);
        }
        clang_disposeString(cx);
    }
    n += (size_t)snprintf(text + n, sizeof text - n, ":%u:%u", line, col);
    r->owner_off = add_string(w, text, n, &r->owner_len);
}

static int is_named(int kind) {
    return kind == K_CALL_EXPR || kind == K_DECL_REF_EXPR || kind == K_MEMBER_REF_EXPR || kind == K_STRING_LITERAL ||
           kind == K_VAR_DECL || kind == K_PARM_DECL || kind == K_FIELD_DECL || kind == K_FUNCTION_DECL ||
           kind == K_LABEL_REF || kind == K_LABEL_STMT || kind == K_GOTO_STMT || kind == K_TYPE_REF;
}

static void record(Walk *w, CXCursor cursor, int kind, int depth) {
    Record r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.depth = depth;
    r.op = -1;
    r.ref_kind = -1;
    CXSourceRange extent = clang_getCursorExtent(cursor);
    r.file = expansion(w, clang_getRangeStart(extent), &r.line, &r.col, &r.start);
    expansion(w, clang_getRangeEnd(extent), NULL, NULL, &r.end);
    if (r.end < r.start) r.end = r.start;
    if (is_named(kind)) {
        add_cxstring(w, clang_getCursorSpelling(cursor), &r.name_off, &r.name_len);
        if (kind == K_CALL_EXPR || kind == K_DECL_REF_EXPR || kind == K_MEMBER_REF_EXPR) {
            CXCursor ref = clang_getCursorReferenced(cursor);
            r.ref_kind = clang_getCursorKind(ref);
            if (r.ref_kind == K_ENUM_CONSTANT_DECL) {
                r.value = clang_getEnumConstantDeclValue(ref);
                r.flags = 1;
            } else if (kind == K_MEMBER_REF_EXPR && r.ref_kind == K_FIELD_DECL) {
                member_owner(w, ref, &r);
            }
        }
    } else if (kind == K_BINARY_OPERATOR || kind == K_COMPOUND_ASSIGNMENT_OPERATOR) {
        r.op = clang_getCursorBinaryOperatorKind(cursor);
    } else if (kind == K_UNARY_OPERATOR) {
        r.op = clang_getCursorUnaryOperatorKind(cursor);
    } else if (kind == K_INTEGER_LITERAL || kind == K_CHARACTER_LITERAL) {
        CXEvalResult result = clang_Cursor_Evaluate(cursor);
        if (result) {
            if (clang_EvalResult_getKind(result) == 1) { /* CXEval_Int */
                r.value = clang_EvalResult_getAsLongLong(result);
                r.flags = 1;
            }
            clang_EvalResult_dispose(result);
        }
    } else if (kind == K_ENUM_CONSTANT_DECL) {
        add_cxstring(w, clang_getCursorSpelling(cursor), &r.name_off, &r.name_len);
        r.value = clang_getEnumConstantDeclValue(cursor);
        r.flags = 1;
    } else if (kind == K_ENUM_DECL || kind == K_STRUCT_DECL || kind == K_UNION_DECL) {
        add_cxstring(w, clang_getCursorSpelling(cursor), &r.name_off, &r.name_len);
    } else if (kind == K_INIT_LIST_EXPR) {
        record_fields(w, cursor, &r);
    }
    if (kind == K_FUNCTION_DECL) {
        r.value = clang_getCursorLinkage(cursor);
        r.flags = 1;
    }
    Record *at = grow(w, &w->records, sizeof r);
    if (at) *at = r;
}

/* member: index of the member expression whose children these are, until its first child
   (the base) is seen, else -1. */
typedef struct { Walk *w; int depth; int64_t member; } NodeVisit;

static int visit_node(CXCursor cursor, CXCursor parent, void *data) {
    (void)parent;
    NodeVisit *nv = data;
    Walk *w = nv->w;
    if (w->failed) return 0; /* CXChildVisit_Break */
    if (nv->member >= 0) {
        /* A member expression's op: `->` (1) when its base is a pointer, `.` (0) when not. libclang
           has no isArrow; the base's type says it, also inside a macro's expansion. */
        int pointer = clang_getCanonicalType(clang_getCursorType(cursor)).kind == 101; /* CXType_Pointer */
        ((Record *)w->records.data)[nv->member].op = pointer;
        nv->member = -1;
    }
    int kind = clang_getCursorKind(cursor);
    record(w, cursor, kind, nv->depth);
    NodeVisit inner = {w, nv->depth + 1, -1};
    if (kind == K_MEMBER_REF_EXPR && !w->failed) inner.member = (int64_t)(w->records.len / sizeof(Record)) - 1;
    clang_visitChildren(cursor, visit_node, &inner);
    return 1; /* CXChildVisit_Continue */
}

static int visit_top(CXCursor cursor, CXCursor parent, void *data) {
    (void)parent;
    Walk *w = data;
    if (w->failed) return 0;
    int kind = clang_getCursorKind(cursor);
    int take = 0;
    if (kind == K_FUNCTION_DECL) {
        take = clang_isCursorDefinition(cursor) && in_tree(w, expansion(w, clang_getCursorLocation(cursor), NULL, NULL, NULL));
    } else if (kind == K_VAR_DECL || kind == K_ENUM_DECL) {
        take = is_main(w, expansion(w, clang_getCursorLocation(cursor), NULL, NULL, NULL));
    }
    if (take) {
        record(w, cursor, kind, 0);
        NodeVisit inner = {w, 1, -1};
        clang_visitChildren(cursor, visit_node, &inner);
    }
    return 1;
}

static void add_ints(Walk *w, Buffer *b, const int32_t *values, size_t n) {
    int32_t *at = grow(w, b, n * sizeof(int32_t));
    if (at) memcpy(at, values, n * sizeof(int32_t));
}

/* Lines the preprocessor skipped, by the file of each range's start (as cindex's
 * SourceRange.start.file and .line give them). */
static void skipped_ranges(Walk *w, CXTranslationUnit tu) {
    CXSourceRangeList *list = clang_getAllSkippedRanges(tu);
    if (!list) return;
    for (unsigned i = 0; i < list->count; i++) {
        CXFile file = NULL, end_file = NULL;
        unsigned first = 0, last = 0, col, off;
        clang_getExpansionLocation(clang_getRangeStart(list->ranges[i]), &file, &first, &col, &off);
        clang_getExpansionLocation(clang_getRangeEnd(list->ranges[i]), &end_file, &last, &col, &off);
        int32_t index = file_index(w, file);
        if (in_tree(w, index)) {
            int32_t triple[3] = {index, (int32_t)first, (int32_t)last};
            add_ints(w, &w->skipped, triple, 3);
        }
    }
    clang_disposeSourceRangeList(list);
}

static void visit_inclusion(CXFile file, CXSourceLocation *stack, unsigned depth, void *data) {
    (void)stack;
    Walk *w = data;
    if (depth == 0) return; /* the main file itself */
    int32_t index = file_index(w, file);
    if (in_tree(w, index)) add_ints(w, &w->includes, &index, 1);
}

/* The result handed to Python: three arrays it copies, then frees with srcscan_free. */
typedef struct {
    Record *records;
    size_t record_count;
    char *strings;
    size_t strings_len;
    FileEntry *files;
    size_t file_count;
    int32_t *skipped;
    size_t skipped_count;  /* int32s, three per range */
    int32_t *includes;
    size_t include_count;
    int failed;
} Result;

Result *srcscan_walk(CXTranslationUnit tu, const char *root, const char *main_path) {
    Walk w;
    memset(&w, 0, sizeof w);
    w.root = root;
    w.root_len = strlen(root);
    w.main_path = main_path;
    w.last_index = -1;
    clang_visitChildren(clang_getTranslationUnitCursor(tu), visit_top, &w);
    skipped_ranges(&w, tu);
    clang_getInclusions(tu, visit_inclusion, &w);
    Result *result = calloc(1, sizeof *result);
    if (!result) {
        free(w.records.data);
        free(w.strings.data);
        free(w.files.data);
        free(w.skipped.data);
        free(w.includes.data);
        return NULL;
    }
    result->records = (Record *)w.records.data;
    result->record_count = w.records.len / sizeof(Record);
    result->strings = w.strings.data;
    result->strings_len = w.strings.len;
    result->files = (FileEntry *)w.files.data;
    result->file_count = w.files.len / sizeof(FileEntry);
    result->skipped = (int32_t *)w.skipped.data;
    result->skipped_count = w.skipped.len / sizeof(int32_t);
    result->includes = (int32_t *)w.includes.data;
    result->include_count = w.includes.len / sizeof(int32_t);
    result->failed = w.failed;
    return result;
}

void srcscan_free(Result *result) {
    if (!result) return;
    free(result->records);
    free(result->strings);
    free(result->files);
    free(result->skipped);
    free(result->includes);
    free(result);
}

size_t srcscan_record_size(void) { return sizeof(Record); }
size_t srcscan_file_entry_size(void) { return sizeof(FileEntry); }
