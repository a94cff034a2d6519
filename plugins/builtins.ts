/**
 * The built-in plugins, in the order their hooks run. They are always loaded: their behaviour
 * is switched by the Hotline parameters (`params`), exactly as in the reference product.
 */
import type { PluginFactory } from "../src/mod.ts";
import autoclose from "./autoclose/mod.ts";
import broadcasts from "./broadcasts/mod.ts";
import comments from "./comments/mod.ts";
import customCommands from "./custom-commands/mod.ts";
import exportUsers from "./export/mod.ts";
import help from "./help/mod.ts";
import iconColor from "./icon-color/mod.ts";
import hideInfo from "./hide-info/mod.ts";
import infoCard from "./info-card/mod.ts";
import intercept from "./intercept/mod.ts";
import labels from "./labels/mod.ts";
import templates from "./templates/mod.ts";
import startParam from "./start-param/mod.ts";
import stats from "./stats/mod.ts";
import keywordGate from "./keyword-gate/mod.ts";
import leaveClosed from "./leave-closed/mod.ts";
import silentMode from "./silent-mode/mod.ts";
import moderation from "./moderation/mod.ts";
import monitor from "./monitor/mod.ts";
import webhooks from "./webhooks/mod.ts";
import welcome from "./welcome/mod.ts";
import writeFirst from "./write-first/mod.ts";

/** Every built-in plugin factory. */
export const builtinPlugins: readonly PluginFactory<any>[] = [monitor, moderation, keywordGate, leaveClosed, comments, hideInfo, welcome, startParam, infoCard, autoclose, silentMode, iconColor, intercept, templates, labels, broadcasts, exportUsers, stats, writeFirst, help, webhooks, customCommands];
