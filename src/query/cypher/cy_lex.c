/* cy_lex.c — Cypher's tokenizer: a query's text as tokens (cy_lex.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy_lex.h"
#include "util/buf.h"

typedef struct lexer {
  cy_ctx *c;
  cy_tok *toks;
  int n, cap;
} lexer;

static void push(lexer *p, cy_tok t) {
  if (p->n == p->cap) {
    int cap = p->cap ? p->cap * 2 : 64;
    cy_tok *n = cy_alloc(p->c, (size_t)cap * sizeof *n);
    if (p->n) memcpy(n, p->toks, (size_t)p->n * sizeof *n);
    p->toks = n;
    p->cap = cap;
  }
  p->toks[p->n++] = t;
}

static void put_utf8(ut_buf *b, uint32_t cp) {
  if (cp < 0x80)
    ut_buf_put_u8(b, cp);
  else if (cp < 0x800) {
    ut_buf_put_u8(b, 0xc0 | (cp >> 6));
    ut_buf_put_u8(b, 0x80 | (cp & 63));
  } else if (cp < 0x10000) {
    ut_buf_put_u8(b, 0xe0 | (cp >> 12));
    ut_buf_put_u8(b, 0x80 | ((cp >> 6) & 63));
    ut_buf_put_u8(b, 0x80 | (cp & 63));
  } else {
    ut_buf_put_u8(b, 0xf0 | (cp >> 18));
    ut_buf_put_u8(b, 0x80 | ((cp >> 12) & 63));
    ut_buf_put_u8(b, 0x80 | ((cp >> 6) & 63));
    ut_buf_put_u8(b, 0x80 | (cp & 63));
  }
}

static int is_ident_start(unsigned char ch) { return isalpha(ch) || ch == '_' || ch >= 0x80; }
static int is_ident(unsigned char ch) { return isalnum(ch) || ch == '_' || ch >= 0x80; }

/* 1 when s starts with a Unicode dash or minus sign (U+2010..U+2015, U+2212, U+FE58, U+FE63,
 * U+FF0D): typed for '-', they would otherwise read as part of a name. */
static int is_unicode_dash(const unsigned char *s, size_t n) {
  if (n < 3) return 0;
  if (s[0] == 0xE2)
    return (s[1] == 0x80 && s[2] >= 0x90 && s[2] <= 0x95) || (s[1] == 0x88 && s[2] == 0x92);
  return s[0] == 0xEF &&
         ((s[1] == 0xB9 && (s[2] == 0x98 || s[2] == 0xA3)) || (s[1] == 0xBC && s[2] == 0x8D));
}

/* Reads a string literal starting at the quote s[i]; returns the index after it. */
static size_t lex_string(lexer *p, const char *s, size_t len, size_t i, cy_tok *t) {
  char q = s[i++];
  ut_buf *b = cy_buf_hold(p->c);
  while (i < len && s[i] != q) {
    if (s[i] != '\\') {
      ut_buf_put_u8(b, (unsigned char)s[i++]);
      continue;
    }
    if (++i >= len) break;
    char e = s[i++];
    switch (e) {
    case 'n': ut_buf_put_u8(b, '\n'); break;
    case 't': ut_buf_put_u8(b, '\t'); break;
    case 'r': ut_buf_put_u8(b, '\r'); break;
    case 'b': ut_buf_put_u8(b, '\b'); break;
    case 'f': ut_buf_put_u8(b, '\f'); break;
    case '\\':
    case '\'':
    case '"': ut_buf_put_u8(b, (unsigned char)e); break;
    case 'u':
    case 'U': {
      int nd = e == 'u' ? 4 : 8;
      uint32_t cp = 0;
      for (int k = 0; k < nd; k++) {
        if (i >= len || !isxdigit((unsigned char)s[i]))
          cy_compile_err(p->c, "InvalidUnicodeLiteral", "invalid unicode escape in a string");
        char h = s[i++];
        cp = cp * 16 + (uint32_t)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
      }
      put_utf8(b, cp);
      break;
    }
    default: ut_buf_put_u8(b, '\\'); ut_buf_put_u8(b, (unsigned char)e);
    }
  }
  if (i >= len) cy_compile_err(p->c, "UnexpectedSyntax", "a string literal is not closed");
  t->t = T_STR;
  t->s = cy_buf_take(p->c, b);
  return i + 1;
}

static size_t lex_number(lexer *p, const char *s, size_t len, size_t i, cy_tok *t) {
  size_t st = i;
  if (s[i] == '0' && i + 1 < len && (s[i + 1] == 'x' || s[i + 1] == 'X' || s[i + 1] == 'o')) {
    int base = s[i + 1] == 'o' ? 8 : 16;
    i += 2;
    size_t d = i;
    while (i < len && is_ident((unsigned char)s[i])) i++;
    char *num = cy_strndup(p->c, s + d, i - d), *end;
    errno = 0;
    unsigned long long v = strtoull(num, &end, base);
    if (*end || !*num)
      cy_compile_err(p->c, "InvalidNumberLiteral", "invalid number '%.*s'", (int)(i - st), s + st);
    if (errno || v > (unsigned long long)INT64_MAX + 1)
      cy_compile_err(p->c, "IntegerOverflow", "integer literal '%.*s' is too large", (int)(i - st),
                     s + st);
    t->t = T_INT;
    t->i = (int64_t)v;
    t->f = v == (unsigned long long)INT64_MAX + 1; /* valid only after a minus */
    return i;
  }
  int isf = 0;
  while (i < len && isdigit((unsigned char)s[i])) i++;
  if (i + 1 < len && s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
    isf = 1;
    i++;
    while (i < len && isdigit((unsigned char)s[i])) i++;
  }
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < len && (s[j] == '+' || s[j] == '-')) j++;
    if (j < len && isdigit((unsigned char)s[j])) {
      isf = 1;
      i = j;
      while (i < len && isdigit((unsigned char)s[i])) i++;
    }
  }
  if (i < len && is_ident((unsigned char)s[i])) {
    while (i < len && is_ident((unsigned char)s[i])) i++;
    t->t = T_BADNUM;
    t->s = cy_strndup(p->c, s + st, i - st);
    return i;
  }
  char *num = cy_strndup(p->c, s + st, i - st);
  errno = 0;
  if (isf) {
    t->t = T_FLOAT;
    t->f = strtod(num, NULL);
    if (isinf(t->f))
      cy_compile_err(p->c, "FloatingPointOverflow", "float literal '%s' is too large", num);
  } else {
    unsigned long long v = strtoull(num, NULL, 10);
    if (errno || v > (unsigned long long)INT64_MAX + 1)
      cy_compile_err(p->c, "IntegerOverflow", "integer literal '%s' is too large", num);
    t->t = T_INT;
    t->i = (int64_t)v;
    t->f = v == (unsigned long long)INT64_MAX + 1;
  }
  return i;
}

static void tokenize(lexer *p, const char *s, size_t len) {
  static const char *const ops[] = {"..", "<>", "!=", "<=", ">=", "=~", "+=", "->", "<-", NULL};
  size_t i = 0;
  for (;;) {
    while (i < len) {
      if (isspace((unsigned char)s[i]))
        i++;
      else if (s[i] == '/' && i + 1 < len && s[i + 1] == '/') {
        while (i < len && s[i] != '\n') i++;
      } else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
        const char *e = strstr(s + i + 2, "*/");
        i = e ? (size_t)(e - s) + 2 : len;
      } else
        break;
    }
    cy_tok t = {.pos = (int)i};
    if (i >= len) {
      t.t = T_EOF;
      t.end = (int)i;
      push(p, t);
      return;
    }
    unsigned char ch = (unsigned char)s[i];
    if (is_unicode_dash((const unsigned char *)s + i, len - i))
      cy_compile_err(p->c, "InvalidUnicodeCharacter",
                     "'%.3s' at offset %zu is not '-'; use the ASCII hyphen-minus", s + i, i);
    if (is_ident_start(ch)) {
      size_t st = i;
      while (i < len && is_ident((unsigned char)s[i]) &&
             !is_unicode_dash((const unsigned char *)s + i, len - i))
        i++;
      t.t = T_IDENT;
      t.s = cy_strndup(p->c, s + st, i - st);
    } else if (ch == '`') {
      ut_buf *b = cy_buf_hold(p->c);
      i++;
      for (;;) {
        if (i >= len) cy_compile_err(p->c, "UnexpectedSyntax", "a quoted name is not closed");
        if (s[i] == '`') {
          if (i + 1 < len && s[i + 1] == '`') {
            ut_buf_put_u8(b, '`');
            i += 2;
            continue;
          }
          i++;
          break;
        }
        ut_buf_put_u8(b, (unsigned char)s[i++]);
      }
      t.t = T_QIDENT;
      t.s = cy_buf_take(p->c, b);
    } else if (isdigit(ch) || (ch == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
      i = lex_number(p, s, len, i, &t);
    } else if (ch == '\'' || ch == '"') {
      i = lex_string(p, s, len, i, &t);
    } else if (ch == '$') {
      size_t st = ++i;
      if (i < len && s[i] == '`') {
        const char *e = memchr(s + i + 1, '`', len - i - 1);
        if (!e) cy_compile_err(p->c, "UnexpectedSyntax", "a quoted name is not closed");
        t.s = cy_strndup(p->c, s + i + 1, (size_t)(e - s) - i - 1);
        i = (size_t)(e - s) + 1;
      } else {
        while (i < len && is_ident((unsigned char)s[i])) i++;
        if (i == st)
          cy_compile_err(p->c, "UnexpectedSyntax", "'$' must be followed by a parameter name");
        t.s = cy_strndup(p->c, s + st, i - st);
      }
      t.t = T_PARAM;
    } else {
      t.t = T_OP;
      int n = 1;
      for (int k = 0; ops[k]; k++)
        if (i + 1 < len && s[i] == ops[k][0] && s[i + 1] == ops[k][1]) n = 2;
      /* "<-" and "->" stay apart so that "a<-1" and patterns both read naturally. */
      if (n == 2 && ((s[i] == '<' && s[i + 1] == '-') || (s[i] == '-' && s[i + 1] == '>'))) n = 1;
      if (!strchr("()[]{},.:;|+-*/%^=<>!", ch))
        cy_compile_err(p->c, "UnexpectedSyntax", "unexpected character '%c' at offset %zu", ch, i);
      t.s = cy_strndup(p->c, s + i, (size_t)n);
      i += (size_t)n;
    }
    t.end = (int)i;
    push(p, t);
  }
}

int cy_tokenize(cy_ctx *c, const char *s, size_t len, cy_tok **out) {
  lexer p = {.c = c};
  tokenize(&p, s, len);
  *out = p.toks;
  return p.n;
}
