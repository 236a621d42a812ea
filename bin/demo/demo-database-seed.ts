import pg from 'pg';
import { generateDemoData } from './demo-data.ts';
import type { DemoDataset } from './demo-data.ts';

/**
 * Creates the demo shop's tables and loads the generated data, once: a database that already
 * has its customers is left as it is, so whatever people changed in the demo survives a restart.
 * The whole load is one transaction, so an interrupted first start loads again next time.
 */

export interface DemoDatabaseTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** null: no TLS (the embedded PGlite target, on loopback). */
  caPem: string | null;
}

export interface SeedOutcome {
  /** false: the tables were already there. */
  loaded: boolean;
  customers: number;
  orders: number;
}

const BATCH = 2_000;

const SCHEMA = `
create table customers (
  id integer primary key,
  full_name text not null,
  email text not null unique,
  phone text,
  card_number text,
  iban text,
  street text,
  city text,
  postcode text,
  country char(2) not null,
  date_of_birth date,
  marketing_opt_in boolean not null default false,
  notes text,
  created_at timestamptz not null
);
create table products (
  id integer primary key,
  sku text not null unique,
  name text not null,
  category text not null,
  price numeric(10,2) not null
);
create table orders (
  id integer primary key,
  customer_id integer not null references customers(id),
  product_id integer not null references products(id),
  quantity integer not null check (quantity > 0),
  unit_price numeric(10,2) not null,
  total numeric(10,2) not null,
  currency char(3) not null,
  status text not null,
  ordered_at timestamptz not null,
  shipped_at timestamptz
);
create index orders_customer_id on orders(customer_id);
create index orders_ordered_at on orders(ordered_at);
comment on table customers is 'Gatehouse demo: fake customers generated from a fixed seed';
`;

export function demoClientConfig(target: DemoDatabaseTarget): pg.ClientConfig {
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl: target.caPem === null ? false : { ca: target.caPem },
    connectionTimeoutMillis: 10_000,
  };
}

async function insertColumns(client: pg.Client, table: string, columns: ReadonlyArray<readonly [string, string]>, rows: ReadonlyArray<ReadonlyArray<unknown>>): Promise<void> {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    const values = columns.map((_, index) => batch.map((row) => row[index] ?? null));
    await client.query(`insert into ${table} (${names}) select * from unnest(${arrays})`, values);
  }
}

async function load(client: pg.Client, data: DemoDataset): Promise<void> {
  await client.query(SCHEMA);
  await insertColumns(
    client,
    'customers',
    [
      ['id', 'int'], ['full_name', 'text'], ['email', 'text'], ['phone', 'text'], ['card_number', 'text'], ['iban', 'text'],
      ['street', 'text'], ['city', 'text'], ['postcode', 'text'], ['country', 'text'], ['date_of_birth', 'date'],
      ['marketing_opt_in', 'boolean'], ['notes', 'text'], ['created_at', 'timestamptz'],
    ],
    data.customers.map((c) => [c.id, c.fullName, c.email, c.phone, c.cardNumber, c.iban, c.street, c.city, c.postcode, c.country, c.dateOfBirth, c.marketingOptIn, c.notes, c.createdAt]),
  );
  await insertColumns(
    client,
    'products',
    [['id', 'int'], ['sku', 'text'], ['name', 'text'], ['category', 'text'], ['price', 'numeric']],
    data.products.map((p) => [p.id, p.sku, p.name, p.category, p.price]),
  );
  await insertColumns(
    client,
    'orders',
    [
      ['id', 'int'], ['customer_id', 'int'], ['product_id', 'int'], ['quantity', 'int'], ['unit_price', 'numeric'], ['total', 'numeric'],
      ['currency', 'text'], ['status', 'text'], ['ordered_at', 'timestamptz'], ['shipped_at', 'timestamptz'],
    ],
    data.orders.map((o) => [o.id, o.customerId, o.productId, o.quantity, o.unitPrice, o.total, o.currency, o.status, o.orderedAt, o.shippedAt]),
  );
}

export async function seedDemoDatabase(target: DemoDatabaseTarget): Promise<SeedOutcome> {
  const client = new pg.Client(demoClientConfig(target));
  client.on('error', () => undefined);
  await client.connect();
  try {
    const existing = await client.query<{ found: string | null }>(`select to_regclass('public.customers')::text as found`);
    let loaded = false;
    if (existing.rows[0]?.found === null) {
      await client.query('begin');
      try {
        await load(client, generateDemoData());
        await client.query('commit');
      } catch (e) {
        await client.query('rollback').catch(() => undefined);
        throw e;
      }
      await client.query('analyze');
      loaded = true;
    }
    const counts = await client.query<{ customers: number; orders: number }>(
      'select (select count(*) from customers)::int as customers, (select count(*) from orders)::int as orders',
    );
    const row = counts.rows[0];
    return { loaded, customers: row?.customers ?? 0, orders: row?.orders ?? 0 };
  } finally {
    await client.end();
  }
}
