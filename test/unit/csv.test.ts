/** The export's CSV fields: RFC 4180 quoting, and no formula injection (OWASP's leading `'`). */
import { describe, expect, it } from "vitest";
import { csvField, csvRecord } from "../../plugins/export/csv.ts";

describe("CSV fields", () => {
  it("defuses texts a spreadsheet would run as formulas", () => {
    expect(csvField("=HYPERLINK(\"http://evil\",\"x\")")).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvField("+1+cmd|' /C calc'!A0")).toBe("'+1+cmd|' /C calc'!A0");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField("\r=1")).toBe(`"'\r=1"`);
    expect(csvField("- a list item")).toBe("'- a list item");
  });

  it("leaves plain numbers (group ids, counts) and ordinary texts as they are", () => {
    expect(csvField(-1001234567890)).toBe("-1001234567890");
    expect(csvField("-1001234567890")).toBe("-1001234567890");
    expect(csvField("+42")).toBe("+42");
    expect(csvField("-1.5")).toBe("-1.5");
    expect(csvField("Ann, from Acme")).toBe(`"Ann, from Acme"`);
    expect(csvField("a=b")).toBe("a=b");
    expect(csvField(null)).toBe("");
    expect(csvRecord(["=1", -100123, "x"])).toBe("'=1,-100123,x\r\n");
  });
});
