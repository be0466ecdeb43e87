import { memo, useContext } from "react";
import { Handle, Position, useStore, type NodeProps } from "@xyflow/react";
import type { SystemKind } from "../api";
import { RenameForm } from "../panels/RenameForm";
import { ActionsContext, CHIP_MIME, DETAIL_ZOOM, FocusContext } from "./context";
import { DimContext, systemLit } from "./focus";
import { copiesCollapsed, type Chip, type SystemNode as SystemNodeType } from "./graph";
import { compact, WhatIfContext } from "./rehearsalOverlay";

export const KIND_LABEL: Record<SystemKind, string> = {
  erp: "ERP",
  wms: "WMS",
  oms: "OMS",
  ecommerce: "Shop",
  "3pl": "3PL",
  payments: "Pay",
  finance: "Fin",
  crm: "CRM",
  pim: "PIM",
  production: "Prod",
  quality: "QA",
  transport: "TMS",
  analytics: "BI",
  other: "Sys",
};

const zoomedOutSel = (s: { transform: [number, number, number] }) => s.transform[2] < DETAIL_ZOOM;

function EntityChip({ chip, role, systemId }: { chip: Chip; role: "owner" | "copy"; systemId: string }) {
  const actions = useContext(ActionsContext);
  const focus = useContext(FocusContext);
  const selected = focus.entity === chip.id;
  const changed = useContext(WhatIfContext)?.get(chip.id);
  return (
    <span
      className={`chip chip-${role}${selected ? " chip-selected" : ""}${chip.severity ? ` chip-${chip.severity}` : ""}${changed ? " chip-changed" : ""} nodrag`}
      data-testid="entity-chip"
      data-entity={chip.id}
      data-role={role}
      data-system={systemId}
      draggable
      data-changed={changed ? changed.count : undefined}
      title={`${chip.name} (${chip.id}): ${role === "owner" ? "owner" : "copy"}. Drag onto another system to make it the owner.${changed ? ` What if: ${changed.summary}` : ""}`}
      onDragStart={(e) => {
        e.dataTransfer.setData(CHIP_MIME, chip.id);
        e.dataTransfer.setData("text/plain", chip.id);
        e.dataTransfer.effectAllowed = "move";
      }}
      onClick={(e) => {
        e.stopPropagation();
        actions?.select({ kind: "entity", id: chip.id });
      }}
      onDoubleClick={(e) => {
        e.stopPropagation();
        actions?.startRename({ kind: "entity", id: chip.id });
      }}
    >
      {chip.severity && <span className="chip-dot" aria-label={chip.severity} />}
      {chip.name}
      {changed && (
        <span className="chip-changed-badge" data-testid="chip-changed" aria-label={`${changed.count} messages change decision`}>
          Δ{compact(changed.count)}
        </span>
      )}
    </span>
  );
}

function SystemNodeView({ data, selected }: NodeProps<SystemNodeType>) {
  const actions = useContext(ActionsContext);
  const { renaming } = useContext(FocusContext);
  const dim = !systemLit(useContext(DimContext), data.system.id);
  const zoomedOut = useStore(zoomedOutSel);
  const s = data.system;
  return (
    <div
      className={`sys-node${zoomedOut ? " sys-compact" : ""}${selected ? " sys-selected" : ""}${data.errors > 0 ? " sys-has-error" : ""}${dim ? " sys-dimmed" : ""}`}
      data-testid="system-item"
      data-id={s.id}
      data-kind={s.kind}
      data-dimmed={dim ? "true" : "false"}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(CHIP_MIME)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = "move";
        }
      }}
      onDrop={(e) => {
        const entity = e.dataTransfer.getData(CHIP_MIME);
        if (!entity) return;
        e.preventDefault();
        actions?.dropChip(entity, s.id);
      }}
    >
      <Handle type="target" position={Position.Left} className="sys-handle" />
      <div className="sys-head">
        <span className={`sys-icon kind-${s.kind}`} aria-hidden="true">
          {KIND_LABEL[s.kind] ?? "Sys"}
        </span>
        {renaming === s.id ? (
          <div className="nodrag sys-rename">
            <RenameForm id={s.id} name={s.name} onCancel={() => actions?.cancelRename()} onSubmit={(newId, name) => actions?.renameSystem(s.id, newId, name)} />
          </div>
        ) : (
          <>
            <span className="sys-name" data-testid="system-name" title={s.name} onDoubleClick={() => actions?.startRename({ kind: "system", id: s.id })}>
              {s.name}
            </span>
            <button type="button" className="icon-btn nodrag" data-testid="rename-system" title="Rename (F2)" aria-label={`Rename ${s.name}`} onClick={() => actions?.startRename({ kind: "system", id: s.id })}>
              ✎
            </button>
          </>
        )}
        {(data.errors > 0 || data.warnings > 0) && (
          <span className={`badge ${data.errors > 0 ? "badge-error" : "badge-warning"}`} data-testid="node-badge" title={`${data.errors} error(s), ${data.warnings} warning(s)`}>
            {data.errors + data.warnings}
          </span>
        )}
      </div>
      <div className="sys-team" data-testid="system-team">
        {s.team ?? "no team"} · <code>{s.id}</code>
      </div>
      {zoomedOut ? (
        <div className="chip-count" data-testid="chip-count">
          {data.owned.length} owned · {data.copies.length} copies
        </div>
      ) : (
        <div className="chips">
          {data.owned.map((c) => (
            <EntityChip key={`o-${c.id}`} chip={c} role="owner" systemId={s.id} />
          ))}
          {copiesCollapsed(data, selected) ? (
            <button
              type="button"
              className={`chip chip-copy chip-copies nodrag${data.copies.some((c) => c.severity) ? " chip-warning" : ""}`}
              data-testid="copies-count"
              data-count={data.copies.length}
              title={`Copies held here: ${data.copies.map((c) => c.name).join(", ")}. Select the system to show them.`}
              onClick={(e) => {
                e.stopPropagation();
                actions?.select({ kind: "system", id: s.id });
              }}
            >
              +{data.copies.length} copies
            </button>
          ) : (
            data.copies.map((c) => <EntityChip key={`c-${c.id}`} chip={c} role="copy" systemId={s.id} />)
          )}
          <button type="button" className="chip chip-add nodrag" data-testid="add-entity" title="Add an entity owned by this system" onClick={() => actions?.addEntity(s.id)}>
            + entity
          </button>
        </div>
      )}
      <Handle type="source" position={Position.Right} className="sys-handle" />
    </div>
  );
}

export const SystemNode = memo(SystemNodeView);
