// Synthetic text used to warm the tokenizer at start-up.
//
// Loading an encoding table takes 0.1-0.4 s, and the first ~100 KB tokenized after that run several
// times slower than later text (V8 still has to tier up the split regex and the BPE loops for each kind
// of input: prose, markdown, JSON, code, non-ASCII). Tokenizing this mix once at start-up moves that
// cost out of the first count_tokens request. The text is generated, deterministic and never counted.

const WORDS = (
  "the of and to in is you that it for on are as with be this have from or one by not but what all were " +
  "when your can there use each which do how their if will up other about out many then them these so some " +
  "would make like into time has look more write see number way could people than first been call who now " +
  "find long down day did get come made may part file files tool tools command commands user task tasks run " +
  "output input path directory code function value values error errors result results test tests build " +
  "request response message messages model context session agent read edit search query option options " +
  "return string number boolean object array default required optional description parameter parameters " +
  "important always never must should only instead before after while until unless example examples usage " +
  "instructions guidelines repository branch commit changes diff status working current absolute relative"
).split(" ");

const UNICODE = ["—", "–", "“", "”", "’", "…", "→", "✓", "•", "é", "ü", "ß", "日本語", "中文", "Привет", "🙂"];

/** ~`targetChars` of mixed prose, markdown, JSON schema and code, the shapes a Claude Code request holds. */
export function warmUpText(targetChars = 96_000): string {
  let seed = 0x2545f491;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const word = () => WORDS[rnd(WORDS.length)]!;
  const sentence = () => {
    const n = 6 + rnd(14);
    const ws: string[] = [];
    for (let i = 0; i < n; i++) ws.push(i === 0 ? capitalize(word()) : word());
    if (rnd(4) === 0) ws.splice(1 + rnd(n - 1), 0, UNICODE[rnd(UNICODE.length)]!);
    if (rnd(5) === 0) ws.splice(1 + rnd(n - 1), 0, `\`${word()}_${word()}\``);
    return `${ws.join(" ")}${[".", ".", ".", ":", "?", "!"][rnd(6)]}`;
  };
  const parts: string[] = [];
  let size = 0;
  const push = (s: string) => {
    parts.push(s);
    size += s.length;
  };
  while (size < targetChars) {
    switch (rnd(5)) {
      case 0:
        push(`# ${capitalize(word())} ${word()}\n\n${sentence()} ${sentence()}\n\n`);
        break;
      case 1:
        push(`- ${sentence()}\n- ${sentence()}\n  - ${sentence()}\n`);
        break;
      case 2: {
        const props: Record<string, unknown> = {};
        for (let i = 0, n = 1 + rnd(4); i < n; i++) {
          props[`${word()}_${word()}`] = { type: ["string", "number", "boolean", "array"][rnd(4)], description: sentence() };
        }
        push(`${JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: props, required: Object.keys(props).slice(0, 1), additionalProperties: false })}\n`);
        break;
      }
      case 3:
        push(
          `\`\`\`ts\nexport function ${word()}${capitalize(word())}(${word()}: string, n = ${rnd(1000)}): number {\n` +
            `  const ${word()} = [${rnd(10)}, ${rnd(100)}, ${rnd(1000)}].map((x) => x * 2);\n` +
            `  if (!${word()}) throw new Error("${sentence()}");\n  return n + ${rnd(64)};\n}\n\`\`\`\n`,
        );
        break;
      default:
        push(`${sentence()} ${sentence()} ${sentence()}\n`);
    }
  }
  return parts.join("");
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
