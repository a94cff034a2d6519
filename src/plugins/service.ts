/**
 * The `PluginHost` service: the plugin host of one bot (see `host.ts`) in the bot's context, so
 * the stepper and the bot's start-up reach the same loaded plugins.
 */
import * as Context from "effect/Context";
import * as Layer from "effect/Layer";
import type { PluginHost } from "./host.ts";

/** See the module comment. */
export class Plugins extends Context.Tag("switchboard/PluginHost")<Plugins, PluginHost>() {
  /** The host of an already loaded set of plugins. */
  static readonly fromHost = (host: PluginHost): Layer.Layer<Plugins> => Layer.succeed(Plugins, host);
}
