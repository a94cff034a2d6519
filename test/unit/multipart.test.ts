/**
 * The lenient streaming multipart reader (util/multipart.ts) and the proxy's text-field reader
 * built on it: every header spelling clients use, boundaries split across chunks at every byte,
 * file contents skipped, text capped.
 */
import { describe, expect, it } from "vitest";
import { readMultipart } from "../../src/util/multipart.ts";
import { formFieldsReader } from "../../src/telegram/proxy/form-fields.ts";

const enc = new TextEncoder();
const type = "multipart/form-data; boundary=XyZ";
// grammY's spelling (no spaces, unquoted file name), the usual one, RFC 5987, a part without headers.
const body = enc.encode([
  "preamble to ignore\r\n",
  "--XyZ\r\ncontent-disposition:form-data;name=\"chat_id\"\r\n\r\n42\r\n",
  "--XyZ\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nline one\r\n--not the boundary\r\ncafé\r\n",
  "--XyZ\r\ncontent-disposition:form-data;name=\"doc\";filename=a.bin\r\ncontent-type:application/octet-stream\r\n\r\n\r\n--XyX\u0000\u0001binary\r\n",
  "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename*=utf-8''caf%C3%A9.jpg\r\n\r\nJPEG\r\n",
  "--XyZ\r\n\r\nnameless\r\n",
  "--XyZ--\r\nepilogue",
].join(""));

describe("multipart reader", () => {
  it("reads every part whatever the spelling, and files by name", () => {
    const parts = readMultipart(type, body);
    expect(parts.map((p) => [p.head.name, p.head.filename, new TextDecoder().decode(p.bytes)])).toEqual([
      ["chat_id", undefined, "42"],
      ["caption", undefined, "line one\r\n--not the boundary\r\ncafé"],
      ["doc", "a.bin", "\r\n--XyX\u0000\u0001binary"],
      ["photo", "café.jpg", "JPEG"],
      [undefined, undefined, "nameless"],
    ]);
    expect(parts[2].head.contentType).toBe("application/octet-stream");
  });

  it("gives the same fields whichever byte the chunks are split at; files are skipped, text is capped", () => {
    for (let split = 1; split < body.length; split++) {
      const reader = formFieldsReader(type)!;
      reader.push(body.subarray(0, split));
      reader.push(body.subarray(split));
      expect(reader.fields).toEqual({ chat_id: "42", caption: "line one\r\n--not the boundary\r\ncafé" });
    }
    const bytewise = formFieldsReader(type)!;
    for (const byte of body) bytewise.push(new Uint8Array([byte]));
    expect(bytewise.fields).toEqual({ chat_id: "42", caption: "line one\r\n--not the boundary\r\ncafé" });
    const capped = formFieldsReader(type, 10)!;
    capped.push(body);
    expect(capped.fields).toEqual({ chat_id: "42" });
    expect(formFieldsReader("multipart/form-data")).toBeUndefined();
  });
});
