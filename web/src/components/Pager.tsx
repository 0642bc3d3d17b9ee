/**
 * Offset paging with a total: "51–100 of 172", Previous / Next. Every list page uses it so paging looks
 * and reads the same everywhere. `total` may be unknown (null): the pager then says how many are shown
 * and lets Next run while a full page came back.
 */
export function Pager({
  offset,
  limit,
  shown,
  total,
  onOffset,
  label = "Pages",
}: {
  offset: number;
  limit: number;
  /** Rows on this page. */
  shown: number;
  total: number | null;
  onOffset: (offset: number) => void;
  label?: string;
}) {
  const first = shown === 0 ? 0 : offset + 1;
  const last = offset + shown;
  const hasNext = total === null ? shown === limit : last < total;
  return (
    <nav className="pager" aria-label={label}>
      <span role="status">
        {total === null
          ? `${first}–${last}`
          : `${first.toLocaleString()}–${last.toLocaleString()} of ${total.toLocaleString()}`}
      </span>
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        Previous
      </button>
      <button type="button" disabled={!hasNext} onClick={() => onOffset(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

/** Reads an offset from the URL: a non-negative integer or 0. */
export function offsetParam(value: string | null): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : 0;
}
