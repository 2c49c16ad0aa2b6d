// A synthetic Claude-Code-sized Messages body (~112 KB: 24 tools with long descriptions and JSON
// schemas, a ~6 KB system prompt behind the billing-header block, a few messages), deterministic per
// seed. Shared by bench/count-tokens-bench.ts and bench/run.ts.

// Vocabulary deliberately different from src/tokens/warm-up-text.ts, so the warm-up cannot pre-cache it.
const VOCAB = (
  "agent shell invoke sandbox worktree notebook cell cron schedule wakeup report finding skill workflow " +
  "background process terminal stdout stderr exit code permission approval denied allowed glob pattern " +
  "regex multiline offset limit line lines character encoding utf8 binary image screenshot pdf page range " +
  "timeout milliseconds seconds minutes retry backoff network fetch url domain redirect markdown html " +
  "summary summarize concise verbose detailed accurate precise careful thorough quickly efficiently " +
  "parallel sequential independent dependent batch single multiple several various specific general " +
  "create update delete list get stop output send receive spawn subagent teammate mailbox inbox channel " +
  "interface implementation refactor rename migrate deprecate upgrade install configure environment variable " +
  "documentation comment docstring annotation decorator generic template macro closure iterator generator"
).split(" ");

function generator(seed: number) {
  let s = seed >>> 0;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) % n;
  };
  const word = () => VOCAB[rnd(VOCAB.length)]!;
  const sentence = (min = 8, spread = 16) => {
    const n = min + rnd(spread);
    const ws: string[] = [];
    for (let i = 0; i < n; i++) ws.push(word());
    ws[0] = ws[0]![0]!.toUpperCase() + ws[0]!.slice(1);
    if (rnd(3) === 0) ws.push(`(e.g. \`${word()}-${word()}\` — ${rnd(1000)} ${word()})`);
    return `${ws.join(" ")}.`;
  };
  const paragraph = (sentences: number) => Array.from({ length: sentences }, () => sentence()).join(" ");
  return { rnd, word, sentence, paragraph };
}

export function syntheticBody(seed: number): Record<string, unknown> {
  const g = generator(seed);
  const tools = Array.from({ length: 24 }, (_, i) => {
    const props: Record<string, unknown> = {};
    for (let p = 0, n = 2 + g.rnd(5); p < n; p++) {
      props[`${g.word()}_${g.word()}${p}`] = {
        type: ["string", "number", "boolean", "array", "object"][g.rnd(5)],
        description: g.paragraph(1 + g.rnd(2)),
        ...(g.rnd(3) === 0 ? { enum: [g.word(), g.word(), g.word()] } : {}),
      };
    }
    const description = Array.from({ length: 2 + g.rnd(2) }, () => `## ${g.word()}\n${g.paragraph(5 + g.rnd(4))}\n- ${g.sentence()}\n- ${g.sentence()}`).join("\n\n");
    return {
      name: `${g.word()[0]!.toUpperCase()}${g.word()}${i}`,
      description,
      input_schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: props,
        required: Object.keys(props).slice(0, 1 + g.rnd(2)),
        additionalProperties: false,
      },
    };
  });
  let systemPrompt = "";
  while (systemPrompt.length < 6_000) systemPrompt += `# ${g.word()}\n${g.paragraph(4)}\n\n`;
  const messages = [
    {
      role: "user",
      content: [
        { type: "text", text: `<system-reminder>\n${g.paragraph(12)}\n</system-reminder>` },
        { type: "text", text: `<system-reminder>\n${g.paragraph(30)}\n</system-reminder>` },
        { type: "text", text: g.sentence(), cache_control: { type: "ephemeral" } },
      ],
    },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_01", name: "Bash", input: { command: "ls -la src", description: g.sentence() } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: g.paragraph(20), is_error: false }] },
  ];
  let body: Record<string, unknown> = {
    model: "claude-sonnet-4-6",
    max_tokens: 32000,
    system: [
      { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.197.abc; cc_entrypoint=sdk-cli;" },
      { type: "text", text: "You are a Claude agent, built on Anthropic's Claude Agent SDK.", cache_control: { type: "ephemeral" } },
      { type: "text", text: systemPrompt, cache_control: { type: "ephemeral" } },
    ],
    messages,
    tools,
  };
  // Pad the tool descriptions until the body is ~112 KB, the size of a first Claude Code turn.
  let size = JSON.stringify(body).length;
  let i = 0;
  while (size < 112_000) {
    const t = tools[i++ % tools.length]!;
    const extra = `\n\n${g.paragraph(6)}`;
    t.description += extra;
    size += extra.length;
  }
  body = { ...body, tools };
  return body;
}
