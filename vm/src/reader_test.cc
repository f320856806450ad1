// Reader tests (docs/language.md "Reading"), through gene::read_program.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "gene/ast.h"
#include "gene/reader.h"

namespace gene {
namespace {

using K = Node::Kind;

// Reads `src`, which must hold exactly one form, and returns it.
NodePtr read_one(std::string_view src) {
  ReadResult r = read_program(src);
  EXPECT_TRUE(r.ok) << "source: " << src << "\nerror: " << r.error.message;
  EXPECT_EQ(r.forms.size(), 1u) << "source: " << src;
  if (!r.ok || r.forms.empty()) return std::make_unique<Node>(K::Placeholder, SourcePos{});
  return std::move(r.forms[0]);
}

// Reads `src`, which must fail, and returns the error.
ReadError read_fail(std::string_view src) {
  ReadResult r = read_program(src);
  EXPECT_FALSE(r.ok) << "source should not read: " << src;
  if (!r.ok) {
    EXPECT_EQ(r.error.message.rfind("read error", 0), 0u)
        << "message should begin with 'read error': " << r.error.message;
  }
  return r.error;
}

TEST(Reader, EmptyAndWhitespaceOnly) {
  ReadResult r = read_program("");
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.forms.empty());
  r = read_program(" \t\n,\r\n ,, ");
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.forms.empty());
}

TEST(Reader, Integers) {
  struct Case {
    const char* text;
    int64_t value;
  } cases[] = {{"42", 42}, {"-10", -10}, {"0", 0}, {"-0", 0}, {"007", 7}};
  for (const auto& c : cases) {
    NodePtr n = read_one(c.text);
    EXPECT_EQ(n->kind, K::Int) << c.text;
    EXPECT_EQ(n->int_value, c.value) << c.text;
  }
}

TEST(Reader, IntegerBoundsAre48Bit) {
  NodePtr max = read_one("140737488355327");
  ASSERT_EQ(max->kind, K::Int);
  EXPECT_EQ(max->int_value, kIntMax);
  EXPECT_EQ(max->int_value, 140737488355327LL);
  NodePtr min = read_one("-140737488355328");
  ASSERT_EQ(min->kind, K::Int);
  EXPECT_EQ(min->int_value, kIntMin);
  EXPECT_EQ(min->int_value, -140737488355328LL);
}

TEST(Reader, IntegerOutOfRangeIsError) {
  for (const char* src : {"140737488355328", "-140737488355329", "9223372036854775807",
                          "99999999999999999999999999", "(a 140737488355328)"}) {
    ReadError e = read_fail(src);
    EXPECT_EQ(e.pos.line, 1) << src;
  }
  // The position is that of the literal.
  ReadError e = read_fail("(a\n  140737488355328)");
  EXPECT_EQ(e.pos.line, 2);
  EXPECT_EQ(e.pos.column, 3);
}

TEST(Reader, Floats) {
  struct Case {
    const char* text;
    double value;
  } cases[] = {{"3.14", 3.14},   {"-2.5", -2.5},       {"1e10", 1e10},  {"6.02e-3", 6.02e-3},
               {"1E3", 1000.0},  {"0.5", 0.5},         {"1.5e+2", 150}, {"-1e-2", -0.01},
               {"2.0", 2.0}};
  for (const auto& c : cases) {
    NodePtr n = read_one(c.text);
    EXPECT_EQ(n->kind, K::Float) << c.text;
    EXPECT_DOUBLE_EQ(n->float_value, c.value) << c.text;
  }
}

TEST(Reader, FloatBeyondDoubleRangeIsError) {
  read_fail("1e999");
  read_fail("-1e999");
}

TEST(Reader, NotNumbers) {
  // `5.` is not a number and, starting with a digit, cannot be a symbol.
  read_fail("5.");
  read_fail("1e");
  // `.5` and `+5` are not numbers: whatever they read as, it is not Int or Float.
  for (const char* src : {".5", "+5"}) {
    ReadResult r = read_program(src);
    if (r.ok) {
      ASSERT_EQ(r.forms.size(), 1u) << src;
      EXPECT_NE(r.forms[0]->kind, K::Int) << src;
      EXPECT_NE(r.forms[0]->kind, K::Float) << src;
    } else {
      EXPECT_EQ(r.error.message.rfind("read error", 0), 0u) << src;
    }
  }
}

TEST(Reader, StringEscapes) {
  NodePtr n = read_one(R"("a\nb\tc\rd\\e\"f\0g")");
  ASSERT_EQ(n->kind, K::String);
  EXPECT_EQ(n->text, std::string("a\nb\tc\rd\\e\"f\0g", 13));
  EXPECT_EQ(n->text.size(), 13u);
  NodePtr empty = read_one(R"("")");
  ASSERT_EQ(empty->kind, K::String);
  EXPECT_EQ(empty->text, "");
  // UTF-8 passes through as bytes.
  NodePtr u = read_one("\"h\xC3\xA9llo \xE2\x82\xAC\"");
  ASSERT_EQ(u->kind, K::String);
  EXPECT_EQ(u->text, "h\xC3\xA9llo \xE2\x82\xAC");
}

TEST(Reader, BadEscapeIsError) {
  for (const char* src : {R"("\q")", R"("a\x41")", R"("\u0041")", R"("\a")"}) {
    ReadError e = read_fail(src);
    EXPECT_EQ(e.pos.line, 1) << src;
    EXPECT_GE(e.pos.column, 1) << src;
  }
}

TEST(Reader, MultiLineString) {
  ReadResult r = read_program("\"line1\nline2\n\" x");
  ASSERT_TRUE(r.ok) << r.error.message;
  ASSERT_EQ(r.forms.size(), 2u);
  EXPECT_EQ(r.forms[0]->kind, K::String);
  EXPECT_EQ(r.forms[0]->text, "line1\nline2\n");
  EXPECT_EQ(r.forms[0]->pos.line, 1);
  // Lines inside the string count toward later positions.
  EXPECT_EQ(r.forms[1]->kind, K::Symbol);
  EXPECT_EQ(r.forms[1]->pos.line, 3);
  EXPECT_EQ(r.forms[1]->pos.column, 3);
}

TEST(Reader, Comments) {
  ReadResult r = read_program(
      "#!/usr/bin/env gene\n"
      "## doc comment\n"
      "1 # trailing comment (not a form)\n"
      "#\ttab comment\n"
      "2\n"
      "# last");
  ASSERT_TRUE(r.ok) << r.error.message;
  ASSERT_EQ(r.forms.size(), 2u);
  EXPECT_EQ(r.forms[0]->kind, K::Int);
  EXPECT_EQ(r.forms[0]->int_value, 1);
  EXPECT_EQ(r.forms[1]->int_value, 2);
  EXPECT_EQ(r.forms[1]->pos.line, 5);

  // `#` at the very end of the text is a comment.
  r = read_program("3 #");
  ASSERT_TRUE(r.ok) << r.error.message;
  ASSERT_EQ(r.forms.size(), 1u);
  EXPECT_EQ(r.forms[0]->int_value, 3);
  r = read_program("#");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.forms.empty());

  // A comment inside a gene.
  NodePtr g = read_one("(a # comment )\n b)");
  ASSERT_EQ(g->kind, K::Gene);
  ASSERT_EQ(g->items.size(), 2u);
  EXPECT_TRUE(g->items[1]->is_symbol("b"));
}

TEST(Reader, ReservedHashIsError) {
  ReadError e = read_fail("1\n  #x");
  EXPECT_EQ(e.pos.line, 2);
  EXPECT_EQ(e.pos.column, 3);
  read_fail("#{}");
  read_fail("(a #[1])");
}

TEST(Reader, CommasAndCarriageReturnsAreWhitespace) {
  NodePtr a = read_one("[1,2 ,3,\r4]");
  ASSERT_EQ(a->kind, K::Array);
  ASSERT_EQ(a->items.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(a->items[i]->kind, K::Int);
    EXPECT_EQ(a->items[i]->int_value, i + 1);
  }
  ReadResult r = read_program("a\r\nb");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.forms.size(), 2u);
  EXPECT_TRUE(r.forms[0]->is_symbol("a"));
  EXPECT_TRUE(r.forms[1]->is_symbol("b"));
  EXPECT_EQ(r.forms[1]->pos.line, 2);
  EXPECT_EQ(r.forms[1]->pos.column, 1);
}

TEST(Reader, ConstantsAndPlaceholder) {
  EXPECT_EQ(read_one("nil")->kind, K::Nil);
  EXPECT_EQ(read_one("true")->kind, K::True);
  EXPECT_EQ(read_one("false")->kind, K::False);
  EXPECT_EQ(read_one("_")->kind, K::Placeholder);
  // Names that merely start with a constant are symbols.
  EXPECT_TRUE(read_one("nil?")->is_symbol("nil?"));
  EXPECT_TRUE(read_one("truex")->is_symbol("truex"));
}

TEST(Reader, Symbols) {
  for (const char* name : {"name", "sum_loop", "empty?", "a-b", "+", "-", "<=", "!=", "&&", "$parse", "x1"}) {
    NodePtr n = read_one(name);
    EXPECT_EQ(n->kind, K::Symbol) << name;
    EXPECT_EQ(n->text, name);
  }
}

TEST(Reader, Paths) {
  NodePtr p = read_one("a/b/0");
  ASSERT_EQ(p->kind, K::Path);
  EXPECT_EQ(p->text, "a");
  ASSERT_EQ(p->items.size(), 2u);
  EXPECT_EQ(p->items[0]->kind, K::Symbol);
  EXPECT_EQ(p->items[0]->text, "b");
  EXPECT_EQ(p->items[1]->kind, K::Int);
  EXPECT_EQ(p->items[1]->int_value, 0);

  NodePtr neg = read_one("arr/-1");
  ASSERT_EQ(neg->kind, K::Path);
  EXPECT_EQ(neg->text, "arr");
  ASSERT_EQ(neg->items.size(), 1u);
  EXPECT_EQ(neg->items[0]->kind, K::Int);
  EXPECT_EQ(neg->items[0]->int_value, -1);

  NodePtr key = read_one("m/key");
  ASSERT_EQ(key->kind, K::Path);
  EXPECT_EQ(key->text, "m");
  ASSERT_EQ(key->items.size(), 1u);
  EXPECT_TRUE(key->items[0]->is_symbol("key"));

  // `/` alone is the division operator, not a path.
  NodePtr div = read_one("/");
  EXPECT_TRUE(div->is_symbol("/"));
}

TEST(Reader, QuotedSymbolAndQuotedGene) {
  NodePtr q = read_one(":name");
  ASSERT_EQ(q->kind, K::QuotedSymbol);
  EXPECT_EQ(q->text, "name");

  NodePtr g = read_one(":(a b)");
  ASSERT_EQ(g->kind, K::Quote);
  ASSERT_EQ(g->items.size(), 1u);
  const Node& inner = *g->items[0];
  ASSERT_EQ(inner.kind, K::Gene);
  ASSERT_EQ(inner.items.size(), 2u);
  EXPECT_TRUE(inner.items[0]->is_symbol("a"));
  EXPECT_TRUE(inner.items[1]->is_symbol("b"));

  // A data gene with a quoted-symbol head.
  NodePtr d = read_one("(:add 10 20)");
  ASSERT_EQ(d->kind, K::Gene);
  ASSERT_EQ(d->items.size(), 3u);
  EXPECT_EQ(d->items[0]->kind, K::QuotedSymbol);
  EXPECT_EQ(d->items[0]->text, "add");
}

TEST(Reader, Arrays) {
  NodePtr a = read_one("[1 \"two\" [3] nil]");
  ASSERT_EQ(a->kind, K::Array);
  ASSERT_EQ(a->items.size(), 4u);
  EXPECT_EQ(a->items[0]->kind, K::Int);
  EXPECT_EQ(a->items[1]->kind, K::String);
  EXPECT_EQ(a->items[1]->text, "two");
  ASSERT_EQ(a->items[2]->kind, K::Array);
  ASSERT_EQ(a->items[2]->items.size(), 1u);
  EXPECT_EQ(a->items[2]->items[0]->int_value, 3);
  EXPECT_EQ(a->items[3]->kind, K::Nil);
  NodePtr e = read_one("[]");
  ASSERT_EQ(e->kind, K::Array);
  EXPECT_TRUE(e->items.empty());
}

TEST(Reader, MapsKeepKeyOrder) {
  NodePtr m = read_one("{^a 1 ^b 2}");
  ASSERT_EQ(m->kind, K::Map);
  ASSERT_EQ(m->keys.size(), 2u);
  ASSERT_EQ(m->items.size(), 2u);
  EXPECT_EQ(m->keys[0], "a");
  EXPECT_EQ(m->keys[1], "b");
  EXPECT_EQ(m->items[0]->int_value, 1);
  EXPECT_EQ(m->items[1]->int_value, 2);

  // Insertion order, not sorted order.
  NodePtr r = read_one("{^zeta 1 ^alpha [2] ^mid (f)}");
  ASSERT_EQ(r->kind, K::Map);
  ASSERT_EQ(r->keys.size(), 3u);
  EXPECT_EQ(r->keys[0], "zeta");
  EXPECT_EQ(r->keys[1], "alpha");
  EXPECT_EQ(r->keys[2], "mid");
  EXPECT_EQ(r->items[1]->kind, K::Array);
  EXPECT_EQ(r->items[2]->kind, K::Gene);

  NodePtr q = read_one("{^\"a b\" 1 ^c 2}");
  ASSERT_EQ(q->kind, K::Map);
  ASSERT_EQ(q->keys.size(), 2u);
  EXPECT_EQ(q->keys[0], "a b");
  EXPECT_EQ(q->keys[1], "c");

  NodePtr e = read_one("{}");
  ASSERT_EQ(e->kind, K::Map);
  EXPECT_TRUE(e->keys.empty());
}

TEST(Reader, Spread) {
  NodePtr s = read_one("xs...");
  ASSERT_EQ(s->kind, K::Spread);
  ASSERT_EQ(s->items.size(), 1u);
  EXPECT_TRUE(s->items[0]->is_symbol("xs"));

  NodePtr a = read_one("[a... b...]");
  ASSERT_EQ(a->kind, K::Array);
  ASSERT_EQ(a->items.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(a->items[i]->kind, K::Spread);
    ASSERT_EQ(a->items[i]->items.size(), 1u);
    EXPECT_EQ(a->items[i]->items[0]->text, i == 0 ? "a" : "b");
  }
}

TEST(Reader, EmptyGeneIsNil) {
  NodePtr n = read_one("()");
  EXPECT_EQ(n->kind, K::Nil);
  NodePtr g = read_one("(f ())");
  ASSERT_EQ(g->kind, K::Gene);
  ASSERT_EQ(g->items.size(), 2u);
  EXPECT_EQ(g->items[1]->kind, K::Nil);
}

TEST(Reader, NestedGenesAndPositions) {
  ReadResult r = read_program("(fn f [x]\n  (g (h x) 1))");
  ASSERT_TRUE(r.ok) << r.error.message;
  ASSERT_EQ(r.forms.size(), 1u);
  const Node& fn = *r.forms[0];
  ASSERT_EQ(fn.kind, K::Gene);
  EXPECT_EQ(fn.pos.line, 1);
  EXPECT_EQ(fn.pos.column, 1);
  ASSERT_EQ(fn.items.size(), 4u);
  EXPECT_TRUE(fn.items[0]->is_symbol("fn"));
  EXPECT_TRUE(fn.items[1]->is_symbol("f"));
  EXPECT_EQ(fn.items[2]->kind, K::Array);
  const Node& body = *fn.items[3];
  ASSERT_EQ(body.kind, K::Gene);
  EXPECT_EQ(body.pos.line, 2);
  EXPECT_EQ(body.pos.column, 3);
  ASSERT_EQ(body.items.size(), 3u);
  EXPECT_TRUE(body.items[0]->is_symbol("g"));
  const Node& inner = *body.items[1];
  ASSERT_EQ(inner.kind, K::Gene);
  EXPECT_EQ(inner.pos.line, 2);
  EXPECT_EQ(inner.pos.column, 6);
  ASSERT_EQ(inner.items.size(), 2u);
  EXPECT_TRUE(inner.items[0]->is_symbol("h"));
  EXPECT_TRUE(inner.items[1]->is_symbol("x"));
  EXPECT_EQ(body.items[2]->int_value, 1);
}

TEST(Reader, MultipleTopLevelForms) {
  ReadResult r = read_program("(var x 1) (println x)\n42");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.forms.size(), 3u);
  EXPECT_EQ(r.forms[0]->kind, K::Gene);
  EXPECT_EQ(r.forms[1]->kind, K::Gene);
  EXPECT_EQ(r.forms[1]->pos.column, 11);
  EXPECT_EQ(r.forms[2]->kind, K::Int);
  EXPECT_EQ(r.forms[2]->pos.line, 2);
}

TEST(Reader, UnterminatedStringReportsOpener) {
  ReadError e = read_fail("(println\n   \"abc\n def");
  EXPECT_EQ(e.pos.line, 2);
  EXPECT_EQ(e.pos.column, 4);
  // A string ending in a lone backslash is unterminated too.
  read_fail("\"abc\\");
}

TEST(Reader, UnterminatedParenReportsOpener) {
  ReadError e = read_fail("(a 1)\n  (b (c 2)\n 3");
  EXPECT_EQ(e.pos.line, 2);
  EXPECT_EQ(e.pos.column, 3);
  ReadError a = read_fail("x [1 2");
  EXPECT_EQ(a.pos.line, 1);
  EXPECT_EQ(a.pos.column, 3);
  ReadError m = read_fail("\n\n{^a 1");
  EXPECT_EQ(m.pos.line, 3);
  EXPECT_EQ(m.pos.column, 1);
}

TEST(Reader, UnexpectedCloser) {
  ReadError e = read_fail("(a b))");
  EXPECT_EQ(e.pos.line, 1);
  EXPECT_EQ(e.pos.column, 6);
  ReadError f = read_fail("1\n  )");
  EXPECT_EQ(f.pos.line, 2);
  EXPECT_EQ(f.pos.column, 3);
  // A mismatched closer is also an error.
  ReadError g = read_fail("(a ]");
  EXPECT_EQ(g.pos.line, 1);
}

TEST(Reader, InvalidUtf8) {
  // A lone continuation byte on line 2, column 4.
  ReadError e = read_fail("(a)\n\"ab\x80\"");
  EXPECT_EQ(e.pos.line, 2);
  EXPECT_EQ(e.pos.column, 4);
  // Inside a comment too, and a truncated sequence.
  ReadError c = read_fail("1 # caf\xC3");
  EXPECT_EQ(c.pos.line, 1);
  EXPECT_EQ(c.pos.column, 8);
  // An overlong encoding of '/'.
  ReadError o = read_fail("\xC0\xAF");
  EXPECT_EQ(o.pos.line, 1);
  EXPECT_EQ(o.pos.column, 1);
  // Column counts bytes: the 2-byte 'é' before the bad byte counts as two.
  ReadError b = read_fail("\"\xC3\xA9\xFF\"");
  EXPECT_EQ(b.pos.line, 1);
  EXPECT_EQ(b.pos.column, 4);
}

TEST(Reader, ErrorAfterValidForms) {
  // Valid forms before the error do not make the read succeed.
  ReadError e = read_fail("(a) (b) )");
  EXPECT_EQ(e.pos.line, 1);
  EXPECT_EQ(e.pos.column, 9);
}

TEST(Reader, IsPlainName) {
  for (const char* s : {"a", "name", "empty?", "a-b", "sum_loop", "x1", "+"})
    EXPECT_TRUE(is_plain_name(s)) << s;
  for (const char* s : {"", "a b", "1", "-5", "1.5", "a/b", "^a", "a\"b", "(a", "a,b", "#a", "a\nb", "xs..."})
    EXPECT_FALSE(is_plain_name(s)) << s;
}

TEST(Reader, InvalidUtf8IsAnErrorWhereItStarts) {
  // A stray continuation byte, an overlong '/', a surrogate, a code point past
  // U+10FFFF and a sequence cut short: each on line 2, column 5.
  for (const char* bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x9C"}) {
    ReadError e = read_fail(std::string("(println \"ok ✓\")\n(a \"") + bad + "\")");
    EXPECT_EQ(e.message, "read error: invalid UTF-8");
    EXPECT_EQ(e.pos.line, 2);
    EXPECT_EQ(e.pos.column, 5);
  }
  EXPECT_TRUE(read_program("\"✓ héllo 𝄞\"").ok);
}

}  // namespace
}  // namespace gene
