// A short notice of what a change did (delete, paste, a fix, undo, redo),
// with Undo (or Redo) at hand. It goes away by itself; it is read out by
// screen readers (aria-live). Text only: summaries come from the backend.
import { useEffect } from "react";

export type Notice = {
  /** Changes with each notice, so the timer restarts for a new one. */
  id: number;
  text: string;
  /** What the button does: take the change back, or put it back. */
  action: "undo" | "redo" | null;
};

/** How long a notice stays, in ms. */
export const NOTICE_MS = 8000;

type Props = { notice: Notice | null; onAction: (action: "undo" | "redo") => void; onClose: () => void };

export function NoticeBar({ notice, onAction, onClose }: Props) {
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(onClose, NOTICE_MS);
    return () => clearTimeout(t);
  }, [notice, onClose]);
  return (
    <div className="notice-slot" aria-live="polite" role="status">
      {notice && (
        <div className="notice" data-testid="notice" data-action={notice.action ?? ""}>
          <span data-testid="notice-text">{notice.text}</span>
          {notice.action && (
            <button
              type="button"
              data-testid="notice-action"
              onClick={() => {
                onAction(notice.action as "undo" | "redo");
              }}
            >
              {notice.action === "undo" ? "Undo" : "Redo"}
            </button>
          )}
          <button type="button" className="notice-close" aria-label="Dismiss" onClick={onClose}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
