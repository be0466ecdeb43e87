// The first-launch guide: one short tip for where the model stands, in the
// product's words, pointing at the next action. Pure, so it is tested alone.
import type { Finding, Model } from "../api";

export type Tip = { id: "no-systems" | "no-entities" | "no-flows" | "findings" | "no-rules" | "no-findings"; title: string; text: string };

export function guideTip(model: Model, findings: Finding[]): Tip {
  if (model.systems.length === 0)
    return { id: "no-systems", title: "Start with the systems that hold your data", text: "Type a system's name in the box above and press Add system (or N): each system that creates, stores or shows the data you care about." };
  if (model.entities.length === 0)
    return {
      id: "no-entities",
      title: "Give each record one owner",
      text: "Press + entity on the system where a record is created and changed: it becomes the owner, the one source of truth; others hold copies.",
    };
  if (model.flows.length === 0)
    return {
      id: "no-flows",
      title: "Draw how the data moves",
      text: "Drag from a system's right edge onto another. The owner announces a change with an event; any other system asks with a request.",
    };
  const n = findings.length;
  if (n > 0)
    return {
      id: "findings",
      title: `${n} finding${n === 1 ? "" : "s"} to settle`,
      text: "Each names what breaks the rules (two writers for one record, a copy nothing feeds, a send nobody acknowledges). Click one to see it; many have a one-click fix.",
    };
  if ((model.rules ?? []).length === 0)
    return {
      id: "no-rules",
      title: "No findings, and no rules yet",
      text: "Every record has one owner. Rules check the data as it moves: select an entity and add a validate or reconcile rule in its properties.",
    };
  return {
    id: "no-findings",
    title: "No findings: the model keeps the rules",
    text: "Present (P) walks a room through who owns what, one entity at a time. Select a system to see only its neighbours.",
  };
}
