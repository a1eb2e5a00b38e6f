// The message-body Markdown subset, without a browser: blocks, spans, links and what is left as
// text (markers inside words, unclosed markers, code, unsafe links), plain text for previews,
// the images a body links to, and the composer's Markdown keys.
import { describe, expect, test } from "vitest";
import { inCodeBlock, toggleMarker } from "../../web/components/composer/markup";
import { linkedImages } from "../../web/lib/linked-images";
import { type Inline, inlineParts, parseBody, plainText } from "../../web/lib/rich-text";

const text = (t: string): Inline => ({ kind: "text", text: t });
const link = (t: string, href: string): Inline => ({ kind: "link", text: t, href });

describe("spans", () => {
  test("bold, italic both ways, strike and code; nested spans", () => {
    expect(inlineParts("**b** *i* _j_ ~~s~~ `c`")).toEqual([
      { kind: "strong", children: [text("b")] },
      text(" "),
      { kind: "em", children: [text("i")] },
      text(" "),
      { kind: "em", children: [text("j")] },
      text(" "),
      { kind: "strike", children: [text("s")] },
      text(" "),
      { kind: "code", text: "c" },
    ]);
    expect(inlineParts("**bold _and italic_ here**")).toEqual([
      {
        kind: "strong",
        children: [text("bold "), { kind: "em", children: [text("and italic")] }, text(" here")],
      },
    ]);
    expect(inlineParts("*it **bold** it*")).toEqual([
      {
        kind: "em",
        children: [text("it "), { kind: "strong", children: [text("bold")] }, text(" it")],
      },
    ]);
  });

  test("markers inside words, before spaces or left open stay text", () => {
    for (const body of [
      "2*3*4 = 24",
      "snake_case_words and more_snake_case",
      "**unclosed bold",
      "a * b * c",
      "~~never closed",
      "**",
      "____",
      "`one tick",
    ]) {
      expect(inlineParts(body)).toEqual([text(body)]);
    }
    // A span does not run past its line.
    expect(inlineParts("*one\ntwo*")).toEqual([text("*one\ntwo*")]);
  });

  test("nothing inside code is read: markers, links, mentions", () => {
    expect(inlineParts("`**not bold** https://x.com @bob`")).toEqual([
      { kind: "code", text: "**not bold** https://x.com @bob" },
    ]);
    expect(inlineParts("``a ` b``")).toEqual([{ kind: "code", text: "a ` b" }]);
    // Code binds before a span that would close inside it.
    expect(inlineParts("*a `b* c`")).toEqual([text("*a "), { kind: "code", text: "b* c" }]);
  });
});

describe("links", () => {
  test("URLs keep underscores and balanced parentheses, not trailing punctuation", () => {
    expect(inlineParts("https://en.wikipedia.org/wiki/Foo_(bar)_baz.")).toEqual([
      link(
        "https://en.wikipedia.org/wiki/Foo_(bar)_baz",
        "https://en.wikipedia.org/wiki/Foo_(bar)_baz",
      ),
      text("."),
    ]);
    expect(inlineParts("(see https://x.com/a_b_c)!")).toEqual([
      text("(see "),
      link("https://x.com/a_b_c", "https://x.com/a_b_c"),
      text(")!"),
    ]);
    expect(inlineParts("_see https://x.com/a_b_")).toEqual([
      { kind: "em", children: [text("see "), link("https://x.com/a_b", "https://x.com/a_b")] },
    ]);
    expect(inlineParts("**https://x.com**")).toEqual([
      { kind: "strong", children: [link("https://x.com", "https://x.com/")] },
    ]);
  });

  test("bare domains, www and e-mail addresses; file names stay text", () => {
    expect(inlineParts("example.com, www.x.org/a? ana@mail.example.com.")).toEqual([
      link("example.com", "https://example.com/"),
      text(", "),
      link("www.x.org/a", "https://www.x.org/a"),
      text("? "),
      link("ana@mail.example.com", "mailto:ana@mail.example.com"),
      text("."),
    ]);
    expect(inlineParts("see index.ts, e.g. README.md or v1.2.3")).toEqual([
      text("see index.ts, e.g. README.md or v1.2.3"),
    ]);
  });

  test("[text](url) for safe schemes only; javascript: and data: stay text", () => {
    expect(inlineParts("[the plan](https://x.com/p_(1)) ok")).toEqual([
      link("the plan", "https://x.com/p_(1)"),
      text(" ok"),
    ]);
    for (const body of [
      "[click](javascript:alert(1))",
      "javascript:alert(1)",
      "[x](data:text/html;base64,PHNjcmlwdD4=)",
      "<script>alert(1)</script>",
    ]) {
      expect(inlineParts(body)).toEqual([text(body)]);
    }
  });

  test("mentions, not inside e-mail addresses or words", () => {
    expect(inlineParts("@ana, x@bob and **@bob**")).toEqual([
      { kind: "mention", text: "@ana", handle: "ana" },
      text(", x@bob and "),
      { kind: "strong", children: [{ kind: "mention", text: "@bob", handle: "bob" }] },
    ]);
  });
});

describe("blocks", () => {
  test("code blocks, quotes, lists and paragraphs", () => {
    const body = [
      "Plan:",
      "```js",
      "const a = **b**;",
      "```",
      "> quoted *here*",
      "> and here",
      "- one",
      "- **two**",
      "3. three",
      "4. four",
      "done",
    ].join("\n");
    expect(parseBody(body)).toEqual([
      { kind: "paragraph", children: [text("Plan:")] },
      { kind: "code", text: "const a = **b**;" },
      {
        kind: "quote",
        children: [
          {
            kind: "paragraph",
            children: [
              text("quoted "),
              { kind: "em", children: [text("here")] },
              text("\nand here"),
            ],
          },
        ],
      },
      {
        kind: "list",
        ordered: false,
        start: 1,
        items: [[text("one")], [{ kind: "strong", children: [text("two")] }]],
      },
      { kind: "list", ordered: true, start: 3, items: [[text("three")], [text("four")]] },
      { kind: "paragraph", children: [text("done")] },
    ]);
  });

  test("an unclosed fence runs to the end; ``` on one line is inline code", () => {
    expect(parseBody("```\nlet x\n\n*y*")).toEqual([{ kind: "code", text: "let x\n\n*y*" }]);
    expect(parseBody("```a *b*```")).toEqual([
      { kind: "paragraph", children: [{ kind: "code", text: "a *b*" }] },
    ]);
  });

  test("a line that only looks like a block stays in its paragraph", () => {
    expect(parseBody("*not a list*\n-1 degrees\n>_< oops")).toEqual([
      {
        kind: "paragraph",
        children: [{ kind: "em", children: [text("not a list")] }, text("\n-1 degrees")],
      },
      { kind: "quote", children: [{ kind: "paragraph", children: [text("_< oops")] }] },
    ]);
  });
});

describe("plainText and linkedImages", () => {
  test("plain text drops the markup, keeps the words", () => {
    expect(plainText("**Ship** it `now`, see [the plan](https://x.com) ~~maybe~~")).toBe(
      "Ship it now, see the plan maybe",
    );
    expect(plainText("2*3*4 and snake_case")).toBe("2*3*4 and snake_case");
  });

  test("https image links outside code, once each, GIFs marked as animated", () => {
    expect(
      linkedImages(
        "https://x.com/a.png https://x.com/a.png [cat](https://media.giphy.com/media/1/giphy.gif) http://x.com/b.jpg `https://x.com/c.webp` https://x.com/page",
      ),
    ).toEqual([
      { src: "https://x.com/a.png", alt: "Image a.png from x.com", animated: false },
      { src: "https://media.giphy.com/media/1/giphy.gif", alt: "cat", animated: true },
    ]);
  });
});

describe("hostile bodies", () => {
  test("2,000 characters of open markers parse in moments", () => {
    for (const unit of ["*a ", "**", "_`", "`*_~~[", "x.com_*", "[a](", "> - "]) {
      const body = unit.repeat(Math.ceil(2000 / unit.length)).slice(0, 2000);
      const started = performance.now();
      parseBody(body);
      plainText(body);
      expect(performance.now() - started).toBeLessThan(250);
    }
  });
});

describe("composer keys", () => {
  test("markers wrap the selection, or a caret; around already, they come off", () => {
    expect(toggleMarker("make it loud", 8, 12, "**")).toEqual({
      text: "make it **loud**",
      start: 10,
      end: 14,
    });
    expect(toggleMarker("make it **loud**", 10, 14, "**")).toEqual({
      text: "make it loud",
      start: 8,
      end: 12,
    });
    expect(toggleMarker("ab", 1, 1, "_")).toEqual({ text: "a__b", start: 2, end: 2 });
  });

  test("Enter is a new line inside an open ``` block, from its first line to its last", () => {
    expect(inCodeBlock("```", 3)).toBe(true);
    expect(inCodeBlock("```js\nlet a", 12)).toBe(true);
    expect(inCodeBlock("```\nlet a\n```", 13)).toBe(false);
    expect(inCodeBlock("say ```x``` here", 16)).toBe(false);
    expect(inCodeBlock("```\na\n```\nthen", 15)).toBe(false);
  });
});
