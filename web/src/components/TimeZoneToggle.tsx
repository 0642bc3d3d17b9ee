import { setZoneMode, useZoneMode, zoneLabel } from "../time";

/** The sidebar's switch between the browser's zone and UTC; every time on every page follows it. */
export function TimeZoneToggle() {
  const mode = useZoneMode();
  return (
    <label className="zone-toggle">
      Times in
      <select
        aria-label="Time zone"
        value={mode}
        onChange={(e) => setZoneMode(e.target.value === "utc" ? "utc" : "local")}
      >
        <option value="local">local ({zoneLabel("local")})</option>
        <option value="utc">UTC</option>
      </select>
    </label>
  );
}
