// An avatar without a picture: which initials a name gives and which colour an id gives.
import { describe, expect, test } from "vitest";
import { AVATAR_COLOURS, avatarColour, initialsOf } from "../../web/components/avatar/initials";

describe("initialsOf", () => {
  test.each([
    ["Ana Lima", "AL"],
    ["ana lima", "AL"],
    ["Ana Maria de Lima", "AL"],
    ["  Bo  ", "B"],
    ["Émile Zola", "ÉZ"],
    ["王小明", "王"],
    ["王 小明", "王"],
    ["محمد علي", "م"],
    ["🦊 Fox Mulder", "FM"],
    ["🦊", "🦊"],
    ["👍🏽", "👍🏽"],
    ["Ana 🦊", "A"],
    ["3M Team", "3T"],
    ["", "?"],
  ])("%j → %j", (name, initials) => {
    expect(initialsOf(name)).toBe(initials);
  });
});

describe("avatarColour", () => {
  test("the same id always gets the same colour of the palette", () => {
    expect(avatarColour("usr_ana")).toBe(avatarColour("usr_ana"));
    expect(AVATAR_COLOURS).toContain(avatarColour("usr_ana"));
  });

  test("ids spread over the palette", () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => avatarColour(`usr_${i}`)));
    expect(used.size).toBe(AVATAR_COLOURS.length);
  });
});
