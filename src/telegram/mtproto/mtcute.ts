/**
 * mtcute, loaded on first use. Its modules cost about 20 MB of resident memory and a quarter of
 * a second at start; only bots in MTProto mode should pay that. Everything else in this folder
 * imports mtcute for types only (erased), so the bundle keeps no static import of it.
 */
export async function loadMtcute() {
  const [core, client, utils, wasm, fuman] = await Promise.all([
    import("@mtcute/core"),
    import("@mtcute/core/client.js"),
    import("@mtcute/core/utils.js"),
    import("@mtcute/wasm"),
    import("@fuman/node"),
  ]);
  return { core, client, utils, wasm, fuman };
}

/** The loaded modules. */
export type Mtcute = Awaited<ReturnType<typeof loadMtcute>>;
