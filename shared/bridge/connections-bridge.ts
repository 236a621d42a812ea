import { z } from 'zod';
import { connectionKindSchema } from '../api/connections.ts';

/** A connection as the UI lists it, with its policy in plain words. */
export const connectionViewSchema = z.object({
  name: z.string(),
  kind: connectionKindSchema,
  description: z.string(),
  /** `host:port/database` or `user@host:port`: where it goes, never the credential. */
  target: z.string(),
  policyVersion: z.number().int(),
  /** Plain sentences: "writes need approval by db-approvers", "email is masked". */
  policySummary: z.array(z.string()),
  /** True while this broker holds a local listener for it. */
  open: z.boolean(),
});
export type ConnectionView = z.infer<typeof connectionViewSchema>;

export const connectionListParamsSchema = z.object({ q: z.string().max(200).optional() });
export const connectionListResultSchema = z.object({ connections: z.array(connectionViewSchema) });

export const connectionNameParamsSchema = z.object({ connection: z.string().min(1) });

/** "Open local port": a listener any client on this machine can use with this URL. */
export const localPortSchema = z.object({
  connection: z.string(),
  kind: connectionKindSchema,
  listening: z.string(),
  /** postgres: a `postgres://` URL with the listener's secret; ssh: the ssh command line. */
  url: z.string(),
  /** A ready-to-paste command: `psql '…'` or `ssh -i … -p … user@127.0.0.1`. */
  command: z.string(),
});
export type LocalPort = z.infer<typeof localPortSchema>;

/** Table and column names for editor completion. */
export const schemaTableSchema = z.object({ schema: z.string(), name: z.string(), columns: z.array(z.string()) });
export const schemaResultSchema = z.object({ tables: z.array(schemaTableSchema) });
