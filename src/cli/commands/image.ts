import { list, mustStr, type CommandDef, type GroupDef } from "../core/command.js";
import { UsageError } from "../core/errors.js";
import type { Json } from "../core/types.js";

/**
 * `wilab image map|list|unmap`: which local command the lab's kubelet runs for a container image.
 * Talks to the lab admin API: `PUT /_wilab/images/{image}` with `{"command": [...]}`, `GET /_wilab/images`,
 * `DELETE /_wilab/images/{image}` (the image URL-encoded as one path segment).
 */
export const groups: GroupDef[] = [{ name: "image", summary: "Map container images to local commands: the lab's kubelet runs pods as local processes." }];

function imagePath(image: string): string {
  return `/_wilab/images/${encodeURIComponent(image)}`;
}

export const commands: CommandDef[] = [
  {
    name: "image map",
    rest: "command",
    summary: "Run a local command for an image: without a tag or digest the mapping covers every tag of the repository.",
    args: [
      { dest: "image", options: [], positional: true, required: true, help: "The image as pods name it, e.g. myregistry.azurecr.io/app or busybox:1.36." },
      {
        dest: "command",
        options: ["--command"],
        kind: "list",
        help: "The command and its arguments (the image's entrypoint); the container's `command` and `args` are appended. Usually given after `--`.",
      },
    ],
    examples: [
      { summary: "Run a local Node.js app for every tag of an image.", command: "wilab image map myregistry.azurecr.io/app -- node /home/me/app/server.js" },
      { summary: "Let busybox pods run their own `command` on this host.", command: "wilab image map busybox -- env" },
    ],
    async run(ctx, a) {
      const image = mustStr(a, "image");
      const command = list(a, "command") ?? [];
      if (command.length === 0) throw new UsageError("a command is required: wilab image map <image> -- <command> [args...]");
      return (await ctx.session().labApi("PUT", imagePath(image), { command })) ?? null;
    },
  },
  {
    name: "image list",
    summary: "List the image mappings: yours first, then the built-in ones (the upstream quick-start samples).",
    args: [],
    tableTransform: (v: Json) =>
      Array.isArray(v)
        ? v.map((m) => (m && typeof m === "object" && !Array.isArray(m) ? { Image: m.image ?? null, Command: Array.isArray(m.command) ? m.command.join(" ") : null, Builtin: m.builtin ?? null } : m))
        : v,
    async run(ctx) {
      return (await ctx.session().labApi("GET", "/_wilab/images")) ?? [];
    },
  },
  {
    name: "image unmap",
    summary: "Remove an image mapping (built-in mappings can be overridden, not removed).",
    args: [{ dest: "image", options: [], positional: true, required: true, help: "The image exactly as it was mapped (tags and digests count)." }],
    async run(ctx, a) {
      await ctx.session().labApi("DELETE", imagePath(mustStr(a, "image")));
      return undefined;
    },
  },
];
