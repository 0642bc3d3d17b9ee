/** A ranked list with proportional bars: top detectors, services, templates. */
export function BarList({ items, label }: { items: { name: string; count: number }[]; label: string }) {
  const max = Math.max(1, ...items.map((i) => i.count));
  if (items.length === 0) return <p className="muted">Nothing in this range.</p>;
  return (
    <ul className="bar-list" aria-label={label}>
      {items.map((i) => (
        <li key={i.name}>
          <span
            className="mono"
            style={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}
          >
            {i.name}
          </span>
          <span>{i.count.toLocaleString()}</span>
          <span className="bar" aria-hidden="true">
            <span style={{ width: `${(i.count / max) * 100}%` }} />
          </span>
        </li>
      ))}
    </ul>
  );
}
