// The properties of the selected item: a form for every field of the model
// format (model, system, entity, flow, and the five kinds of rule). Every
// change is one edit; a refused edit shows the backend's message next to the
// form and leaves the input as the user typed it.
import { useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { describe, type Edit, type Entity, type Flow, type Model, type ModelState, type Rule, type System, type SystemKind } from "../api";
import type { Selection } from "../selection";
import { ChoiceList, CheckField, FieldErrors, FormError, NumberField, SelectField, TextField, TextListField, type FieldErrorsApi } from "./FormFields";
import { NAME_MAX_CHARS } from "./names";
import "./properties.css";
import { ConditionBuilder } from "./conditions/ConditionBuilder";
import { RuleTrafficNote } from "./rehearsal/RuleTrafficNote";
import { backendConditions } from "./conditions/service";
import type { ConditionService } from "./conditions/types";

type Props = {
  state: ModelState;
  selection: Selection | null;
  apply: (edit: Edit) => Promise<void>;
  onSelect: (s: Selection | null) => void;
  /** CEL form service; the backend's by default (tests pass a fake). */
  conditions?: ConditionService;
};

type Endpoint = NonNullable<System["endpoints"]>[string];
type Field = Entity["fields"][number];
type RuleOf<K extends Rule["kind"]> = Extract<Rule, { kind: K }>;
type Ctx = {
  model: Model;
  run: (edit: Edit, after?: () => void) => Promise<void>;
  onSelect: (s: Selection | null) => void;
  conditions: ConditionService;
};

export const SYSTEM_KINDS: SystemKind[] = ["erp", "wms", "oms", "ecommerce", "3pl", "payments", "finance", "crm", "pim", "production", "quality", "transport", "analytics", "other"];
const PROTOCOLS: Endpoint["protocol"][] = ["rest", "soap", "sftp", "database", "webhook", "queue"];
const FIELD_TYPES: Field["type"][] = ["string", "integer", "number", "boolean", "date", "datetime", "enum"];
const RULE_KINDS_FOR_ENTITY = ["validate", "route", "conflict", "reconcile"] as const;
const opts = (xs: readonly string[]) => xs.map((x) => ({ value: x, label: x }));

export function PropertiesPanel({ state, selection, apply, onSelect, conditions }: Props) {
  const modelId = state.modelId;
  const service = useMemo(() => conditions ?? backendConditions(modelId), [conditions, modelId]);
  const key = selection ? `${selection.kind}:${selection.id}` : "model";
  const ref = useRef<HTMLElement>(null);
  // A new selection starts at the top: reset the panel and the box it scrolls in.
  useLayoutEffect(() => {
    for (let el: HTMLElement | null = ref.current; el && el !== document.body; el = el.parentElement) {
      el.scrollTop = 0;
      el.scrollLeft = 0;
      const o = getComputedStyle(el).overflowY;
      if (o === "auto" || o === "scroll") break;
    }
  }, [key]);
  return (
    <section ref={ref} className="panel properties" data-testid="properties-panel" data-kind={selection?.kind ?? "model"}>
      <Body key={key} model={state.model} selection={selection} apply={apply} onSelect={onSelect} conditions={service} />
    </section>
  );
}

function Body({ model, selection, apply, onSelect, conditions }: { model: Model; selection: Selection | null; apply: Props["apply"]; onSelect: Props["onSelect"]; conditions: ConditionService }) {
  // The refusal of the last change and the control that made it (null: not a field, e.g. a button).
  const [error, setError] = useState<{ source: string | null; message: string } | null>(null);
  const source = useRef<string | null>(null);
  const run = async (edit: Edit, after?: () => void) => {
    const from = source.current;
    source.current = null;
    try {
      await apply(edit);
      setError(null);
      after?.();
    } catch (e) {
      setError({ source: from, message: describe(e) });
    }
  };
  const fieldErrors: FieldErrorsApi = {
    // A control touches just before its change runs, in the same event: a
    // change that runs later (a button, a form submitted afterwards) is not the control's.
    touch: (id) => {
      source.current = id;
      queueMicrotask(() => {
        if (source.current === id) source.current = null;
      });
    },
    source: error?.source ?? null,
    message: error?.message ?? null,
  };
  const ctx: Ctx = { model, run, onSelect, conditions };
  let body: ReactNode = null;
  const missing = (what: string) => (
    <p className="hint" data-testid="properties-missing">
      There is no {what} &quot;{selection?.id}&quot; any more.
    </p>
  );
  switch (selection?.kind ?? "model") {
    case "model":
      body = <ModelForm ctx={ctx} />;
      break;
    case "system": {
      const s = model.systems.find((x) => x.id === selection?.id);
      body = s ? <SystemForm ctx={ctx} system={s} /> : missing("system");
      break;
    }
    case "entity": {
      const e = model.entities.find((x) => x.id === selection?.id);
      body = e ? <EntityForm ctx={ctx} entity={e} /> : missing("entity");
      break;
    }
    case "flow": {
      const f = model.flows.find((x) => x.id === selection?.id);
      body = f ? <FlowForm ctx={ctx} flow={f} /> : missing("flow");
      break;
    }
    case "rule": {
      const r = (model.rules ?? []).find((x) => x.id === selection?.id);
      body = r ? <RuleForm ctx={ctx} rule={r} /> : missing("rule");
      break;
    }
  }
  return (
    <FieldErrors.Provider value={fieldErrors}>
      {body}
      <FormError error={error && error.source === null ? error.message : null} />
    </FieldErrors.Provider>
  );
}

function Header({ kind, title, onBack }: { kind: string; title: string; onBack?: () => void }) {
  return (
    <header className="properties-head">
      <span className="kind">{kind}</span>
      <h2 data-testid="properties-title">{title}</h2>
      {onBack && (
        <button type="button" data-testid="properties-model" onClick={onBack} title="Show the model's properties">
          Model
        </button>
      )}
    </header>
  );
}

function Link({ sel, label, ctx }: { sel: Selection; label: string; ctx: Ctx }) {
  return (
    <button type="button" className="link" data-testid="properties-link" data-kind={sel.kind} data-id={sel.id} onClick={() => ctx.onSelect(sel)}>
      {label}
    </button>
  );
}

// ---- model ----

function ModelForm({ ctx }: { ctx: Ctx }) {
  const m = ctx.model;
  return (
    <div data-testid="model-form">
      <Header kind="model" title={m.name} />
      <TextField label="Name" testid="model-name" maxLength={NAME_MAX_CHARS} value={m.name} onCommit={(name) => void ctx.run({ op: "setModelName", name: name.trim() })} />
      <TextField label="Description" testid="model-description" multiline value={m.description ?? ""} onCommit={(d) => void ctx.run({ op: "setModelDescription", description: d.trim() || null })} />
      <TextListField
        label="Environments"
        testid="model-environments"
        values={m.environments ?? ["prod"]}
        onChange={(environments) => void ctx.run({ op: "setEnvironments", environments })}
        hint={m.environments ? undefined : "none declared: prod"}
      />
      <p className="hint">
        {m.systems.length} systems, {m.entities.length} entities, {m.flows.length} flows, {(m.rules ?? []).length} rules. Select an item on the canvas to edit it.
      </p>
    </div>
  );
}

// ---- system ----

function SystemForm({ ctx, system: s }: { ctx: Ctx; system: System }) {
  const update = (next: System) => void ctx.run({ op: "updateSystem", id: s.id, system: next }, next.id !== s.id ? () => ctx.onSelect({ kind: "system", id: next.id }) : undefined);
  const envs = ctx.model.environments ?? ["prod"];
  const endpointEnvs = [...envs, ...Object.keys(s.endpoints ?? {}).filter((e) => !envs.includes(e))];
  const setEndpoint = (env: string, ep: Endpoint | null) => {
    const endpoints = { ...(s.endpoints ?? {}) };
    if (ep) endpoints[env] = ep;
    else delete endpoints[env];
    update({ ...s, endpoints: Object.keys(endpoints).length ? endpoints : undefined });
  };
  return (
    <div data-testid="system-form">
      <Header kind="system" title={s.name} onBack={() => ctx.onSelect(null)} />
      <TextField label="Id" testid="system-id" value={s.id} onCommit={(id) => update({ ...s, id: id.trim() })} hint="renaming updates every reference" />
      <TextField label="Name" testid="system-name-input" maxLength={NAME_MAX_CHARS} value={s.name} onCommit={(name) => update({ ...s, name: name.trim() })} />
      <SelectField label="Kind" testid="system-kind" value={s.kind} options={opts(SYSTEM_KINDS)} onChange={(kind) => update({ ...s, kind: kind as SystemKind })} />
      <TextField label="Team" testid="prop-system-team" value={s.team ?? ""} placeholder="who runs it" onCommit={(t) => update({ ...s, team: t.trim() || undefined })} />
      <CheckField label="Side effects" testid="system-side-effects" checked={s.sideEffects ?? false} hint="inbound deliveries trigger external effects (email, charge)" onChange={(v) => update({ ...s, sideEffects: v || undefined })} />
      <h3>Endpoints</h3>
      {endpointEnvs.map((env) => {
        const ep = s.endpoints?.[env];
        return (
          <fieldset key={env} className="endpoint" data-testid="endpoint" data-env={env}>
            <legend>{env}</legend>
            <SelectField
              label="Protocol"
              testid="endpoint-protocol"
              value={ep?.protocol ?? ""}
              options={[{ value: "", label: "(no endpoint)" }, ...opts(PROTOCOLS)]}
              onChange={(p) => setEndpoint(env, p ? { ...(ep ?? { url: "" }), protocol: p as Endpoint["protocol"] } : null)}
            />
            {ep && (
              <>
                <TextField label="URL" testid="endpoint-url" value={ep.url} placeholder="https://erp.example.com/api" onCommit={(url) => setEndpoint(env, { ...ep, url: url.trim() })} />
                <TextField
                  label="Credential reference"
                  testid="endpoint-credential"
                  value={ep.credentialRef ?? ""}
                  placeholder={`vault:${s.id}/${env}`}
                  hint="a reference into your secret store, never the secret itself"
                  onCommit={(c) => setEndpoint(env, { ...ep, credentialRef: c.trim() || undefined })}
                />
                <NumberField label="Rate limit per minute" testid="endpoint-rate" integer min={0} value={ep.rateLimitPerMinute} onCommit={(n) => setEndpoint(env, { ...ep, rateLimitPerMinute: n ?? undefined })} />
              </>
            )}
          </fieldset>
        );
      })}
      <Related ctx={ctx} system={s} />
    </div>
  );
}

function Related({ ctx, system }: { ctx: Ctx; system: System }) {
  const owned = ctx.model.entities.filter((e) => e.owner === system.id);
  const copies = ctx.model.entities.filter((e) => e.copies.includes(system.id));
  return (
    <div className="related">
      <h3>Owns</h3>
      {owned.length === 0 ? <p className="hint">nothing</p> : owned.map((e) => <Link key={e.id} ctx={ctx} sel={{ kind: "entity", id: e.id }} label={e.name} />)}
      <h3>Holds copies of</h3>
      {copies.length === 0 ? <p className="hint">nothing</p> : copies.map((e) => <Link key={e.id} ctx={ctx} sel={{ kind: "entity", id: e.id }} label={e.name} />)}
    </div>
  );
}

// ---- entity ----

function EntityForm({ ctx, entity: e }: { ctx: Ctx; entity: Entity }) {
  const [owner, setOwner] = useState<string | null>(null);
  const [rationale, setRationale] = useState(e.rationale ?? "");
  const update = (next: Entity) => void ctx.run({ op: "updateEntity", id: e.id, entity: next }, next.id !== e.id ? () => ctx.onSelect({ kind: "entity", id: next.id }) : undefined);
  const systems = ctx.model.systems;
  const setField = (i: number, f: Field | null) => {
    const fields = e.fields.slice();
    if (f) fields[i] = f;
    else fields.splice(i, 1);
    update({ ...e, fields });
  };
  const newFieldName = () => {
    let n = 1;
    while (e.fields.some((f) => f.name === `field${n}`)) n++;
    return `field${n}`;
  };
  return (
    <div data-testid="entity-form">
      <Header kind="entity" title={e.name} onBack={() => ctx.onSelect(null)} />
      <TextField label="Id" testid="entity-id" value={e.id} onCommit={(id) => update({ ...e, id: id.trim() })} hint="renaming updates every reference" />
      <TextField label="Name" testid="prop-entity-name" maxLength={NAME_MAX_CHARS} value={e.name} onCommit={(name) => update({ ...e, name: name.trim() })} />
      <SelectField
        label="Owner"
        testid="entity-owner"
        value={owner ?? e.owner ?? ""}
        options={[{ value: "", label: "(undecided)" }, ...systems.map((s) => ({ value: s.id, label: s.name }))]}
        onChange={(o) => {
          setOwner(o);
          setRationale(e.rationale ?? "");
        }}
      />
      {owner !== null && owner !== (e.owner ?? "") && (
        <form
          className="inline-form"
          data-testid="owner-rationale-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            void ctx.run({ op: "setOwner", entity: e.id, owner: owner || null, rationale: rationale.trim() || null }, () => setOwner(null));
          }}
        >
          <input data-testid="prop-owner-rationale" aria-label="Rationale" placeholder="Why this owner? (recorded in the decision log)" value={rationale} onChange={(ev) => setRationale(ev.target.value)} autoFocus />
          <button type="submit" data-testid="owner-decide">
            Decide
          </button>
          <button type="button" onClick={() => setOwner(null)}>
            Cancel
          </button>
        </form>
      )}
      <TextField label="Rationale" testid="entity-rationale" multiline value={e.rationale ?? ""} placeholder="why this owner (workshop decision)" onCommit={(r) => update({ ...e, rationale: r.trim() || undefined })} />
      <TextField label="Steward" testid="entity-steward" value={e.steward ?? ""} placeholder="accountable person or team" onCommit={(st) => update({ ...e, steward: st.trim() || undefined })} />
      {e.fields.length > 0 ? (
        <SelectField label="Key" testid="prop-entity-key" value={e.key} options={e.fields.map((f) => ({ value: f.name, label: f.name }))} onChange={(key) => update({ ...e, key })} hint="identity field used to match records" />
      ) : (
        <TextField label="Key" testid="prop-entity-key" value={e.key} onCommit={(key) => update({ ...e, key: key.trim() })} hint="identity field used to match records" />
      )}
      <CheckField label="Monetary" testid="entity-monetary" checked={e.monetary ?? false} hint="money moves with it" onChange={(v) => update({ ...e, monetary: v || undefined })} />
      <NumberField label="Consistency window (seconds)" testid="entity-window" integer min={0} value={e.consistencyWindowSeconds} hint="acceptable staleness of copies" onCommit={(n) => update({ ...e, consistencyWindowSeconds: n ?? undefined })} />
      <h3>Fields</h3>
      <div className="fields-scroll" data-testid="entity-fields-box">
        <table className="fields-table" data-testid="entity-fields">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Required</th>
              <th>PII</th>
              <th>Values</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {e.fields.map((f, i) => (
              <FieldRow key={`${i}:${f.name}`} field={f} onChange={(next) => setField(i, next)} />
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" data-testid="field-add" onClick={() => update({ ...e, fields: [...e.fields, { name: newFieldName(), type: "string" }] })}>
        + Field
      </button>
      <ChoiceList
        label="Copies"
        testid="entity-copies"
        choices={systems.filter((s) => s.id !== e.owner).map((s) => ({ value: s.id, label: s.name }))}
        selected={e.copies}
        onChange={(copies) => void ctx.run({ op: "setCopies", entity: e.id, copies })}
        hint="systems that hold a copy"
      />
      <ItemList ctx={ctx} title="Flows" items={ctx.model.flows.filter((f) => f.entity === e.id).map((f) => ({ sel: { kind: "flow", id: f.id }, label: `${f.id}: ${f.from} → ${f.to} (${f.pattern})` }))} />
      <RulesOf ctx={ctx} rules={(ctx.model.rules ?? []).filter((r) => "entity" in r && r.entity === e.id)} />
      <AddRule ctx={ctx} kinds={RULE_KINDS_FOR_ENTITY} make={(kind) => newEntityRule(ctx.model, e, kind)} />
    </div>
  );
}

function FieldRow({ field: f, onChange }: { field: Field; onChange: (f: Field | null) => void }) {
  return (
    <tr data-testid="field-row" data-name={f.name}>
      <td>
        <TextField label="Field name" testid="field-name" value={f.name} onCommit={(name) => onChange({ ...f, name: name.trim() })} />
      </td>
      <td>
        <SelectField
          label="Field type"
          testid="field-type"
          value={f.type}
          options={opts(FIELD_TYPES)}
          onChange={(t) => onChange({ ...f, type: t as Field["type"], values: t === "enum" ? (f.values ?? []) : undefined })}
        />
      </td>
      <td>
        <CheckField label="required" testid="field-required" checked={f.required ?? false} onChange={(v) => onChange({ ...f, required: v || undefined })} />
      </td>
      <td>
        <CheckField label="PII" testid="field-pii" checked={f.pii ?? false} onChange={(v) => onChange({ ...f, pii: v || undefined })} />
      </td>
      <td>{f.type === "enum" && <TextListField label="Values" testid="field-values" values={f.values ?? []} onChange={(values) => onChange({ ...f, values })} />}</td>
      <td>
        <button type="button" data-testid="field-remove" aria-label={`Remove field ${f.name}`} onClick={() => onChange(null)}>
          ×
        </button>
      </td>
    </tr>
  );
}

function ItemList({ ctx, title, items }: { ctx: Ctx; title: string; items: { sel: Selection; label: string }[] }) {
  return (
    <div className="related">
      <h3>{title}</h3>
      {items.length === 0 ? (
        <p className="hint">none</p>
      ) : (
        <ul>
          {items.map((it) => (
            <li key={it.sel.id}>
              <Link ctx={ctx} sel={it.sel} label={it.label} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function RulesOf({ ctx, rules }: { ctx: Ctx; rules: Rule[] }) {
  return <ItemList ctx={ctx} title="Rules" items={rules.map((r) => ({ sel: { kind: "rule", id: r.id }, label: `${r.kind}: ${r.id}` }))} />;
}

function AddRule<K extends Rule["kind"]>({ ctx, kinds, make }: { ctx: Ctx; kinds: readonly K[]; make: (kind: K) => Rule }) {
  const [kind, setKind] = useState<K>(kinds[0]!);
  return (
    <div className="add-rule" data-testid="prop-add-rule">
      <select data-testid="add-rule-kind" aria-label="Kind of rule" value={kind} onChange={(e) => setKind(e.target.value as K)}>
        {kinds.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
      <button
        type="button"
        data-testid="add-rule-button"
        onClick={() => {
          const rule = make(kind);
          void ctx.run({ op: "addRule", rule }, () => ctx.onSelect({ kind: "rule", id: rule.id }));
        }}
      >
        Add rule
      </button>
    </div>
  );
}

function uniqueRuleId(model: Model, base: string): string {
  const taken = new Set((model.rules ?? []).map((r) => r.id));
  const stem = base.slice(0, 56);
  if (!taken.has(stem)) return stem;
  let n = 2;
  while (taken.has(`${stem}-${n}`)) n++;
  return `${stem}-${n}`;
}

/** A condition that holds and checks clean: the key is present (or `true`). */
function starterCondition(e: Entity): string {
  return e.fields.some((f) => f.name === e.key) ? `has(data.${e.key})` : "true";
}

export function newEntityRule(model: Model, e: Entity, kind: (typeof RULE_KINDS_FOR_ENTITY)[number]): Rule {
  const id = uniqueRuleId(model, `${e.id}-${kind}`);
  switch (kind) {
    case "validate":
      return { kind, id, entity: e.id, condition: starterCondition(e), action: "reject" };
    case "route":
      return { kind, id, entity: e.id, condition: starterCondition(e), to: [] };
    case "conflict":
      return { kind, id, entity: e.id, policy: "owner-wins" };
    case "reconcile": {
      // Every holder, the owner first (each is compared with it): no copy of money left unchecked.
      const systems = [e.owner, ...e.copies].filter((s, i, all): s is string => !!s && all.indexOf(s) === i);
      const numeric = e.fields.filter((f) => f.type === "number" || f.type === "integer").map((f) => f.name);
      return { kind, id, entity: e.id, systems, fields: numeric.slice(0, 1), withinSeconds: 86400 };
    }
  }
}

// ---- flow ----

/** The deadline of acks on a flow that sets none, when its entity has no consistency window either (events.md). */
const DEFAULT_ACK_WITHIN_SECONDS = 300;
/** The largest whole number of seconds a model holds (u32). */
const MAX_SECONDS = 4294967295;

/** The default ack deadline of a flow of `entity`, in words: its consistency window, else 300 s. */
function defaultAckDeadline(entity: Entity | undefined): string {
  const w = entity?.consistencyWindowSeconds;
  return w != null && entity ? `${w} s (the consistency window of ${entity.name})` : `${DEFAULT_ACK_WITHIN_SECONDS} s`;
}

function FlowForm({ ctx, flow: f }: { ctx: Ctx; flow: Flow }) {
  const update = (next: Flow) => void ctx.run({ op: "updateFlow", id: f.id, flow: next }, next.id !== f.id ? () => ctx.onSelect({ kind: "flow", id: next.id }) : undefined);
  const m = ctx.model;
  const entity = m.entities.find((e) => e.id === f.entity);
  const systems = m.systems.map((s) => ({ value: s.id, label: s.name }));
  const setRetry = (attempts: number | null | undefined, backoff: number | null | undefined) => {
    if ((attempts ?? null) === null && (backoff ?? null) === null) update({ ...f, retry: undefined });
    else update({ ...f, retry: { attempts: attempts ?? 3, backoffSeconds: backoff ?? 30 } });
  };
  return (
    <div data-testid="flow-form">
      <Header kind="flow" title={f.id} onBack={() => ctx.onSelect(null)} />
      <TextField label="Id" testid="flow-id" value={f.id} onCommit={(id) => update({ ...f, id: id.trim() })} />
      <SelectField label="Entity" testid="prop-flow-entity" value={f.entity} options={m.entities.map((e) => ({ value: e.id, label: e.name }))} onChange={(entity) => update({ ...f, entity, idempotencyKey: undefined })} />
      <SelectField label="From" testid="flow-from" value={f.from} options={systems} onChange={(from) => update({ ...f, from })} />
      <SelectField label="To" testid="flow-to" value={f.to} options={systems} onChange={(to) => update({ ...f, to })} />
      <SelectField
        label="Pattern"
        testid="prop-flow-pattern"
        value={f.pattern}
        options={[
          { value: "event", label: "event: the owner announces a change" },
          { value: "request", label: "request: a system asks the owner" },
        ]}
        onChange={(p) => update({ ...f, pattern: p as Flow["pattern"] })}
      />
      <SelectField label="Trigger" testid="flow-trigger" value={f.trigger} options={opts(["system", "user", "schedule"])} onChange={(t) => update({ ...f, trigger: t as Flow["trigger"] })} />
      {(f.trigger === "schedule" || f.schedule) && (
        <TextField label="Schedule" testid="flow-schedule" value={f.schedule ?? ""} placeholder="0 */15 * * * *" hint="cron: sec min hour day month weekday" onCommit={(s) => update({ ...f, schedule: s.trim() || undefined })} />
      )}
      <CheckField label="Acknowledged" testid="flow-ack" checked={f.ack ?? false} hint="the receiver must positively acknowledge" onChange={(v) => update({ ...f, ack: v })} />
      {(f.ack || f.ackWithinSeconds != null) && (
        <NumberField
          label="Ack within (seconds)"
          testid="flow-ack-within"
          integer
          min={1}
          max={MAX_SECONDS}
          value={f.ackWithinSeconds}
          placeholder={String(entity?.consistencyWindowSeconds ?? DEFAULT_ACK_WITHIN_SECONDS)}
          hint={`empty: the default, ${defaultAckDeadline(entity)}`}
          onCommit={(n) => update({ ...f, ackWithinSeconds: n ?? undefined })}
        />
      )}
      <SelectField
        label="Idempotency key"
        testid="flow-idempotency"
        value={f.idempotencyKey ?? ""}
        options={[{ value: "", label: "(none)" }, ...(entity?.fields ?? []).map((x) => ({ value: x.name, label: x.name }))]}
        onChange={(k) => update({ ...f, idempotencyKey: k || undefined })}
        hint={entity && entity.fields.length === 0 ? "declare the entity's fields to pick one" : "field that makes delivery idempotent"}
      />
      <fieldset className="retry" data-testid="flow-retry">
        <legend>Retry</legend>
        <NumberField label="Attempts" testid="flow-retry-attempts" integer min={0} value={f.retry?.attempts} onCommit={(n) => setRetry(n, f.retry?.backoffSeconds)} />
        <NumberField label="Backoff (seconds)" testid="flow-retry-backoff" integer min={0} value={f.retry?.backoffSeconds} onCommit={(n) => setRetry(f.retry?.attempts, n)} />
      </fieldset>
      {entity && <Link ctx={ctx} sel={{ kind: "entity", id: entity.id }} label={`Entity: ${entity.name}`} />}
      <RulesOf ctx={ctx} rules={(m.rules ?? []).filter((r) => r.kind === "alert" && r.flow === f.id)} />
      <AddRule ctx={ctx} kinds={["alert"] as const} make={() => ({ kind: "alert", id: uniqueRuleId(m, `${f.id}-alert`), flow: f.id, metric: "ack-rate", threshold: 0.98, windowSeconds: 300 })} />
    </div>
  );
}

// ---- rules ----

function RuleForm({ ctx, rule }: { ctx: Ctx; rule: Rule }) {
  const update = (next: Rule) => void ctx.run({ op: "updateRule", id: rule.id, rule: next }, next.id !== rule.id ? () => ctx.onSelect({ kind: "rule", id: next.id }) : undefined);
  const m = ctx.model;
  const entities = m.entities.map((e) => ({ value: e.id, label: e.name }));
  let body: ReactNode;
  switch (rule.kind) {
    case "validate":
      body = <ValidateBody ctx={ctx} rule={rule} update={update} entities={entities} />;
      break;
    case "route":
      body = <RouteBody ctx={ctx} rule={rule} update={update} entities={entities} />;
      break;
    case "conflict":
      body = (
        <>
          <SelectField label="Entity" testid="rule-entity" value={rule.entity} options={entities} onChange={(entity) => update({ ...rule, entity })} />
          <SelectField
            label="Policy"
            testid="rule-policy"
            value={rule.policy}
            options={[
              { value: "owner-wins", label: "owner wins" },
              { value: "last-write-wins", label: "last write wins" },
              { value: "version", label: "highest version wins" },
              { value: "escalate", label: "escalate to a person" },
            ]}
            onChange={(p) => update({ ...rule, policy: p as RuleOf<"conflict">["policy"] })}
          />
        </>
      );
      break;
    case "reconcile":
      body = <ReconcileBody ctx={ctx} rule={rule} update={update} entities={entities} />;
      break;
    case "alert":
      body = (
        <>
          <SelectField label="Flow" testid="rule-flow" value={rule.flow} options={m.flows.map((f) => ({ value: f.id, label: `${f.id} (${f.from} → ${f.to})` }))} onChange={(flow) => update({ ...rule, flow })} />
          <SelectField
            label="Metric"
            testid="rule-metric"
            value={rule.metric}
            options={[
              { value: "ack-rate", label: "acknowledgement rate (below)" },
              { value: "error-rate", label: "error rate (above)" },
              { value: "latency-seconds", label: "latency in seconds (above)" },
              { value: "stall-seconds", label: "seconds without traffic (above)" },
            ]}
            onChange={(metric) => update({ ...rule, metric: metric as RuleOf<"alert">["metric"] })}
          />
          <NumberField label="Threshold" testid="rule-threshold" value={rule.threshold} onCommit={(threshold) => update({ ...rule, threshold })} hint={rule.metric.endsWith("rate") ? "a fraction, e.g. 0.98" : "seconds"} />
          <NumberField label="Window (seconds)" testid="rule-window" integer min={1} value={rule.windowSeconds} onCommit={(n) => n !== null && update({ ...rule, windowSeconds: n })} />
        </>
      );
      break;
  }
  return (
    <div data-testid="rule-form" data-rule-kind={rule.kind}>
      <Header kind={`${rule.kind} rule`} title={rule.id} onBack={() => ctx.onSelect(null)} />
      <TextField label="Id" testid="rule-id" value={rule.id} onCommit={(id) => update({ ...rule, id: id.trim() })} />
      {rule.kind === "validate" && <RuleTrafficNote rule={rule.id} />}
      {body}
      <div className="form-actions">
        {"entity" in rule && <Link ctx={ctx} sel={{ kind: "entity", id: rule.entity }} label={`Entity: ${rule.entity}`} />}
        {rule.kind === "alert" && <Link ctx={ctx} sel={{ kind: "flow", id: rule.flow }} label={`Flow: ${rule.flow}`} />}
        <button type="button" data-testid="rule-delete" onClick={() => void ctx.run({ op: "deleteRule", id: rule.id }, () => ctx.onSelect("entity" in rule ? { kind: "entity", id: rule.entity } : { kind: "flow", id: rule.flow }))}>
          Delete rule
        </button>
      </div>
    </div>
  );
}

type BodyProps<K extends Rule["kind"]> = { ctx: Ctx; rule: RuleOf<K>; update: (r: Rule) => void; entities: { value: string; label: string }[] };

function Condition({ ctx, entityId, cel, onCommit }: { ctx: Ctx; entityId: string; cel: string; onCommit: (cel: string) => Promise<void> }) {
  const entity = ctx.model.entities.find((e) => e.id === entityId);
  return (
    <div className="form-row condition-row">
      <span className="form-label">Condition</span>
      {entity ? <ConditionBuilder entity={entity} cel={cel} service={ctx.conditions} onCommit={onCommit} /> : <code className="cel">{cel}</code>}
    </div>
  );
}

function ValidateBody({ ctx, rule, update, entities }: BodyProps<"validate">) {
  return (
    <>
      <SelectField label="Entity" testid="rule-entity" value={rule.entity} options={entities} onChange={(entity) => update({ ...rule, entity })} />
      <p className="hint">Every record must satisfy the condition.</p>
      <Condition ctx={ctx} entityId={rule.entity} cel={rule.condition} onCommit={(condition) => ctx.run({ op: "updateRule", id: rule.id, rule: { ...rule, condition } })} />
      <SelectField
        label="When it fails"
        testid="rule-action"
        value={rule.action}
        options={[
          { value: "reject", label: "reject the message" },
          { value: "quarantine", label: "quarantine the message" },
          { value: "flag", label: "flag it and deliver" },
        ]}
        onChange={(a) => update({ ...rule, action: a as RuleOf<"validate">["action"] })}
      />
      <TextField label="Message" testid="rule-message" value={rule.message ?? ""} placeholder="Stock cannot be negative" onCommit={(msg) => update({ ...rule, message: msg.trim() || undefined })} />
    </>
  );
}

function RouteBody({ ctx, rule, update, entities }: BodyProps<"route">) {
  return (
    <>
      <SelectField label="Entity" testid="rule-entity" value={rule.entity} options={entities} onChange={(entity) => update({ ...rule, entity })} />
      <p className="hint">When the condition holds, the record is also delivered to these systems.</p>
      <Condition ctx={ctx} entityId={rule.entity} cel={rule.condition} onCommit={(condition) => ctx.run({ op: "updateRule", id: rule.id, rule: { ...rule, condition } })} />
      <ChoiceList label="Deliver to" testid="rule-to" choices={ctx.model.systems.map((s) => ({ value: s.id, label: s.name }))} selected={rule.to} onChange={(to) => update({ ...rule, to })} />
    </>
  );
}

function ReconcileBody({ ctx, rule, update, entities }: BodyProps<"reconcile">) {
  const entity = ctx.model.entities.find((e) => e.id === rule.entity);
  const systems = [{ value: "", label: "(choose)" }, ...ctx.model.systems.map((s) => ({ value: s.id, label: s.name }))];
  // Two or more systems: the first is the reference, each other one is compared with it.
  const [first = "", ...others] = rule.systems;
  // A new reference goes first; the former one stays, compared with it (unchecked by hand if unwanted).
  const setFirst = (id: string) => update({ ...rule, systems: [id, ...rule.systems.filter((s) => s !== id)].filter((s) => s !== "") });
  const setOthers = (ids: string[]) => update({ ...rule, systems: first === "" ? ids : [first, ...ids] });
  return (
    <>
      <SelectField label="Entity" testid="rule-entity" value={rule.entity} options={entities} onChange={(e) => update({ ...rule, entity: e, fields: [] })} />
      <p className="hint">Compares, per key, what two or more systems report, each with the first; a difference beyond the tolerance or a silence beyond the window raises an exception.</p>
      <SelectField label="Reference system" testid="rule-system-a" value={first} options={systems} hint="usually the owner" onChange={setFirst} />
      <ChoiceList label="Compared with it" testid="rule-systems" hint="one or more systems that hold a copy" choices={ctx.model.systems.filter((s) => s.id !== first).map((s) => ({ value: s.id, label: s.name }))} selected={others} onChange={setOthers} />
      <ChoiceList label="Fields compared" testid="rule-fields" choices={(entity?.fields ?? []).map((f) => ({ value: f.name, label: f.name }))} selected={rule.fields} onChange={(fields) => update({ ...rule, fields })} />
      <NumberField label="Tolerance" testid="rule-tolerance" min={0} value={rule.tolerance} hint="for numbers; other fields must be equal" onCommit={(tolerance) => update({ ...rule, tolerance: tolerance ?? undefined })} />
      <NumberField label="Within (seconds)" testid="rule-within" integer min={0} value={rule.withinSeconds} hint="how long one side may stay silent" onCommit={(n) => update({ ...rule, withinSeconds: n ?? undefined })} />
    </>
  );
}
