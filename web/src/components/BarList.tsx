import { Link } from "../router";

/** A ranked list with proportional bars: top detectors, services, templates; `hrefFor` drills down. */
export function BarList({
  items,
  label,
  hrefFor,
}: {
  items: { name: string; count: number }[];
  label: string;
  hrefFor?: ((name: string) => string) | undefined;
}) {
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
            {hrefFor ? (
              <Link href={hrefFor(i.name)} title={`Show ${i.name}`}>
                {i.name}
              </Link>
            ) : (
              i.name
            )}
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
