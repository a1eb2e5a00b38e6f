// A workspace's settings in words: where its data stays, and its people's roles.
import type { DataLocation, WorkspaceRole } from "../../../src/shared/api";

/** The data locations a workspace can be created with (null: anywhere). */
export const DATA_LOCATIONS: readonly { value: DataLocation | null; label: string }[] = [
  { value: null, label: "Anywhere" },
  { value: "eu", label: "Data stays in the EU" },
  { value: "fedramp", label: "FedRAMP (US government)" },
];

/** "Data stays in the EU", "FedRAMP (US government)", "Anywhere". */
export function dataLocationText(location: DataLocation | null): string {
  return DATA_LOCATIONS.find((l) => l.value === location)?.label ?? "Anywhere";
}

export const ROLES: readonly WorkspaceRole[] = ["owner", "admin", "member"];
