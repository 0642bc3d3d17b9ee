import type { ReactNode } from "react";
import { matchTemplate, WILD } from "../template-match";

/**
 * A template with its parameters highlighted: when `message` fits the template, the values that filled
 * each `<*>` are shown in place; otherwise the wildcards themselves are marked.
 */
export function TemplateText({
  template,
  message,
  renderValue,
}: {
  template: string;
  message: string | null;
  /** How a parameter's value is shown (e.g. as a link to a search); plain text when absent. */
  renderValue?: ((value: string) => ReactNode) | undefined;
}) {
  const parts = template.split(WILD);
  const match = message ? matchTemplate(template, message) : null;
  const out: ReactNode[] = [];
  parts.forEach((p, i) => {
    out.push(p);
    if (i < parts.length - 1) {
      out.push(
        // A template's parts never move, so their position is a stable key.
        match ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: positions in a fixed template are stable.
          <mark key={i} className="param" title="parameter">
            {renderValue ? renderValue(match[i] ?? "") : match[i]}
          </mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: positions in a fixed template are stable.
          <span key={i} className="wild">
            {WILD}
          </span>
        ),
      );
    }
  });
  return (
    <div className="tpl mono">
      <div>{out}</div>
      {match && (
        <div className="muted" style={{ marginTop: 6 }}>
          {template}
        </div>
      )}
    </div>
  );
}
