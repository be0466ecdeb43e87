import { useState } from "react";
import type { ModelSummary } from "../api";

type Props = {
  models: ModelSummary[];
  currentId: number | null;
  onOpen: (id: number) => void;
  onCreate: (name: string) => void;
  onDelete: (id: number) => void;
};

export function ModelPicker({ models, currentId, onOpen, onCreate, onDelete }: Props) {
  const [name, setName] = useState("");
  const [confirm, setConfirm] = useState(false);
  return (
    <div className="picker" data-testid="model-picker">
      <select
        data-testid="model-select"
        value={currentId ?? ""}
        onChange={(e) => e.target.value && onOpen(Number(e.target.value))}
        aria-label="Open model"
      >
        {currentId === null && <option value="">Choose a model…</option>}
        {models.map((m) => (
          <option key={m.id} value={m.id} data-id={m.id}>
            {m.name}
          </option>
        ))}
      </select>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) {
            onCreate(name.trim());
            setName("");
          }
        }}
      >
        <input data-testid="new-model-name" placeholder="New model name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" data-testid="new-model">
          New model
        </button>
      </form>
      {currentId !== null &&
        (confirm ? (
          <span>
            Delete this model from the workspace?{" "}
            <button type="button" data-testid="confirm-delete-model" onClick={() => { setConfirm(false); onDelete(currentId); }}>
              Delete
            </button>{" "}
            <button type="button" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" data-testid="delete-model" onClick={() => setConfirm(true)}>
            Delete model
          </button>
        ))}
    </div>
  );
}
