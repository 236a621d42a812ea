import { DemoRandom } from './demo-random.ts';

/**
 * The demo shop's fake data, generated from a fixed seed: customers with the personal data a
 * real shop holds (names, e-mails, phones, card numbers that pass Luhn, IBANs with correct
 * check digits, postal addresses, the odd free-text note quoting some of them), products and
 * orders. E-mail domains are the reserved example ones; phone numbers come from ranges set
 * aside for fiction where the country has one.
 */

export interface DemoCustomer {
  id: number;
  fullName: string;
  email: string;
  phone: string;
  cardNumber: string;
  /** null for countries outside the IBAN area. */
  iban: string | null;
  street: string;
  city: string;
  postcode: string;
  country: string;
  dateOfBirth: string;
  marketingOptIn: boolean;
  /** Free text an agent typed; sometimes it quotes personal data, as real notes do. */
  notes: string | null;
  createdAt: string;
}

export interface DemoProduct {
  id: number;
  sku: string;
  name: string;
  category: string;
  price: string;
}

export interface DemoOrder {
  id: number;
  customerId: number;
  productId: number;
  quantity: number;
  unitPrice: string;
  total: string;
  currency: string;
  status: string;
  orderedAt: string;
  shippedAt: string | null;
}

export interface DemoDataset {
  customers: DemoCustomer[];
  products: DemoProduct[];
  orders: DemoOrder[];
}

export const DEMO_SEED = 20_240_611;
export const DEMO_CUSTOMER_COUNT = 5_000;
export const DEMO_ORDER_COUNT = 20_000;

interface Country {
  code: string;
  currency: string;
  weight: number;
  firstNames: readonly string[];
  lastNames: readonly string[];
  cities: readonly string[];
  streets: readonly string[];
  street(random: DemoRandom, name: string): string;
  postcode(random: DemoRandom): string;
  phone(random: DemoRandom): string;
  bban: ((random: DemoRandom) => string) | null;
}

const COUNTRIES: readonly Country[] = [
  {
    code: 'GB',
    currency: 'GBP',
    weight: 3,
    firstNames: ['Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Jack', 'Mia', 'Charlie', 'Grace', 'Thomas', 'Freya', 'James', 'Evie'],
    lastNames: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Hughes', 'Clarke', 'Patel'],
    cities: ['London', 'Manchester', 'Leeds', 'Bristol', 'Edinburgh', 'Glasgow', 'Cardiff', 'Birmingham'],
    streets: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Park Avenue', 'Mill Lane', 'Queens Road'],
    street: (r, name) => `${r.int(1, 240)} ${name}`,
    postcode: (r) => `${r.letters(2)}${r.int(1, 20)} ${r.int(1, 9)}${r.letters(2)}`,
    // 07700 900000-900999: set aside by Ofcom for drama.
    phone: (r) => `+44 7700 900${r.digits(3)}`,
    bban: (r) => `${r.letters(4)}${r.digits(14)}`,
  },
  {
    code: 'DE',
    currency: 'EUR',
    weight: 3,
    firstNames: ['Lukas', 'Hannah', 'Leon', 'Lena', 'Finn', 'Mia', 'Jonas', 'Emma', 'Paul', 'Sophie', 'Felix', 'Lea', 'Jürgen', 'Käthe'],
    lastNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Hoffmann', 'Schäfer', 'Koch', 'Richter', 'Klein', 'Wolf'],
    cities: ['Berlin', 'Hamburg', 'München', 'Köln', 'Frankfurt am Main', 'Stuttgart', 'Leipzig', 'Dresden'],
    streets: ['Hauptstraße', 'Bahnhofstraße', 'Gartenweg', 'Schillerstraße', 'Lindenallee', 'Goethestraße', 'Am Markt'],
    street: (r, name) => `${name} ${r.int(1, 120)}`,
    postcode: (r) => r.digits(5),
    phone: (r) => `+49 151 ${r.digits(4)} ${r.digits(4)}`,
    bban: (r) => r.digits(18),
  },
  {
    code: 'FR',
    currency: 'EUR',
    weight: 2,
    firstNames: ['Gabriel', 'Louise', 'Raphaël', 'Ambre', 'Arthur', 'Jade', 'Hugo', 'Chloé', 'Jules', 'Inès', 'Léo', 'Manon', 'Théo', 'Zoé'],
    lastNames: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefèvre', 'Girard'],
    cities: ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes', 'Bordeaux', 'Lille', 'Strasbourg'],
    streets: ['rue de la Paix', 'avenue Victor Hugo', 'boulevard Voltaire', 'rue du Moulin', 'rue des Écoles', 'place de la République'],
    street: (r, name) => `${r.int(1, 90)} ${name}`,
    postcode: (r) => `${r.int(10, 95)}${r.digits(3)}`,
    phone: (r) => `+33 6 ${r.digits(2)} ${r.digits(2)} ${r.digits(2)} ${r.digits(2)}`,
    bban: (r) => r.digits(23),
  },
  {
    code: 'NL',
    currency: 'EUR',
    weight: 1,
    firstNames: ['Daan', 'Julia', 'Sem', 'Tess', 'Lucas', 'Sara', 'Milan', 'Fleur', 'Bram', 'Anouk', 'Thijs', 'Lotte'],
    lastNames: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'Bos'],
    cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Den Haag', 'Eindhoven', 'Groningen'],
    streets: ['Kerkstraat', 'Dorpsstraat', 'Molenweg', 'Prinsengracht', 'Schoolstraat', 'Stationsweg'],
    street: (r, name) => `${name} ${r.int(1, 300)}`,
    postcode: (r) => `${r.int(1000, 9999)} ${r.letters(2)}`,
    phone: (r) => `+31 6 ${r.digits(8)}`,
    bban: (r) => `${r.letters(4)}${r.digits(10)}`,
  },
  {
    code: 'ES',
    currency: 'EUR',
    weight: 1,
    firstNames: ['Hugo', 'Lucía', 'Martín', 'Sofía', 'Mateo', 'Martina', 'Pablo', 'Valeria', 'Álvaro', 'Paula', 'Diego', 'Carmen'],
    lastNames: ['García', 'Rodríguez', 'González', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz'],
    cities: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla', 'Bilbao', 'Málaga', 'Zaragoza'],
    streets: ['Calle Mayor', 'Avenida de la Constitución', 'Calle del Sol', 'Paseo de Gracia', 'Calle Real', 'Plaza de España'],
    street: (r, name) => `${name}, ${r.int(1, 150)}`,
    postcode: (r) => `${r.int(1, 52).toString().padStart(2, '0')}${r.digits(3)}`,
    phone: (r) => `+34 6${r.digits(2)} ${r.digits(3)} ${r.digits(3)}`,
    bban: (r) => r.digits(20),
  },
  {
    code: 'US',
    currency: 'USD',
    weight: 2,
    firstNames: ['Liam', 'Olivia', 'Noah', 'Emma', 'Elijah', 'Charlotte', 'James', 'Sophia', 'Benjamin', 'Harper', 'Lucas', 'Evelyn', 'Mason', 'Abigail'],
    lastNames: ['Johnson', 'Miller', 'Davis', 'Garcia', 'Rodriguez', 'Martinez', 'Anderson', 'Jackson', 'White', 'Harris', 'Thompson', 'Lee', 'Young', 'King'],
    cities: ['New York, NY', 'Chicago, IL', 'Austin, TX', 'Seattle, WA', 'Boston, MA', 'Denver, CO', 'Portland, OR'],
    streets: ['Main Street', 'Oak Avenue', 'Maple Drive', 'Elm Street', 'Washington Boulevard', 'Lake Shore Drive'],
    street: (r, name) => `${r.int(10, 9800)} ${name}`,
    postcode: (r) => r.digits(5),
    // 555-0100 to 555-0199: reserved for fiction.
    phone: (r) => `+1 ${r.int(201, 989)}-555-01${r.digits(2)}`,
    bban: null,
  },
];

const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'post.example'];

const PRODUCT_CATALOGUE: ReadonlyArray<readonly [string, string, number]> = [
  ['Espresso beans 1 kg', 'coffee', 24.9],
  ['Filter coffee 500 g', 'coffee', 11.5],
  ['Decaf beans 1 kg', 'coffee', 26.0],
  ['Ceramic pour-over dripper', 'brewing', 29.0],
  ['Gooseneck kettle', 'brewing', 64.0],
  ['Burr grinder', 'brewing', 189.0],
  ['French press 1 l', 'brewing', 39.5],
  ['Paper filters (100)', 'brewing', 6.9],
  ['Espresso machine', 'machines', 649.0],
  ['Milk frother', 'machines', 89.0],
  ['Travel mug', 'accessories', 22.0],
  ['Latte glasses (set of 4)', 'accessories', 27.5],
  ['Tamper 58 mm', 'accessories', 34.0],
  ['Descaler', 'care', 12.9],
  ['Cleaning tablets', 'care', 9.9],
  ['Green tea 250 g', 'tea', 14.0],
  ['Earl Grey 250 g', 'tea', 12.5],
  ['Matcha 30 g', 'tea', 19.9],
  ['Chai spice blend', 'tea', 10.5],
  ['Teapot 1.2 l', 'tea', 44.0],
  ['Chocolate biscotti', 'food', 6.5],
  ['Almond croissant mix', 'food', 8.9],
  ['Gift card 25', 'gift', 25.0],
  ['Gift card 50', 'gift', 50.0],
  ['Barista course voucher', 'gift', 120.0],
];

const ORDER_STATUSES: ReadonlyArray<readonly [string, number]> = [
  ['delivered', 62],
  ['shipped', 12],
  ['paid', 8],
  ['pending', 6],
  ['cancelled', 7],
  ['refunded', 5],
];

const DAY_MS = 86_400_000;
// Fixed, so the data does not drift with the date the demo was first started.
const DATA_END = Date.UTC(2025, 5, 30);
const DATA_START = Date.UTC(2022, 0, 1);

function weighted<T>(random: DemoRandom, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.next() * total;
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  const last = items[items.length - 1];
  if (last === undefined) throw new Error('weighted pick from an empty list');
  return last[0];
}

function asciiLocalPart(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '');
}

/** A 16-digit Visa or Mastercard number whose last digit is its Luhn check digit, in groups of 4. */
export function fakeCardNumber(random: DemoRandom): string {
  const prefix = random.chance(0.6) ? `4${random.digits(5)}` : `5${random.int(1, 5)}${random.digits(4)}`;
  const body = prefix + random.digits(9);
  const digits = body + luhnCheckDigit(body);
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function luhnCheckDigit(body: string): string {
  let sum = 0;
  // The check digit will sit to the right, so the rightmost body digit is the first doubled.
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    const digit = body.charCodeAt(i) - 48;
    const value = double ? digit * 2 : digit;
    sum += value > 9 ? value - 9 : value;
  }
  return String((10 - (sum % 10)) % 10);
}

/** ISO 13616: the check digits make the rearranged number leave 1 modulo 97. Printed in groups of 4. */
export function ibanFor(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let remainder = 0;
  for (const char of rearranged) {
    const value = /[A-Z]/.test(char) ? char.charCodeAt(0) - 55 : Number(char);
    remainder = (remainder * (value > 9 ? 100 : 10) + value) % 97;
  }
  const check = String(98 - remainder).padStart(2, '0');
  return `${country}${check}${bban}`.replace(/(.{4})(?=.)/g, '$1 ');
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

function note(random: DemoRandom, customer: Omit<DemoCustomer, 'notes'>, firstName: string): string | null {
  if (!random.chance(0.12)) return null;
  const spareEmail = `${asciiLocalPart(firstName)}.${random.int(10, 99)}@${random.pick(EMAIL_DOMAINS)}`;
  const templates = [
    `Prefers a call at ${customer.phone} after 6pm.`,
    `Asked us to use ${spareEmail} for invoices from now on.`,
    `Refund sent to ${customer.iban ?? 'the original card'}; confirmed by phone.`,
    `Card ${customer.cardNumber} was declined twice, customer will update it.`,
    'Regular customer; happy with the grinder, asked about the barista course.',
    'Parcel left with a neighbour; customer was not pleased.',
    `Changed delivery address to ${customer.street}, ${customer.postcode} ${customer.city}.`,
  ];
  return random.pick(templates);
}

export function generateDemoData(opts: { seed?: number; customers?: number; orders?: number } = {}): DemoDataset {
  const random = new DemoRandom(opts.seed ?? DEMO_SEED);
  const customerCount = opts.customers ?? DEMO_CUSTOMER_COUNT;
  const orderCount = opts.orders ?? DEMO_ORDER_COUNT;
  const countryWeights = COUNTRIES.map((country) => [country, country.weight] as const);
  const usedEmails = new Set<string>();

  const customers: DemoCustomer[] = [];
  const currencyOf: string[] = [];
  for (let id = 1; id <= customerCount; id++) {
    const country = weighted(random, countryWeights);
    const firstName = random.pick(country.firstNames);
    const lastName = random.pick(country.lastNames);
    const domain = random.pick(EMAIL_DOMAINS);
    let local = `${asciiLocalPart(firstName)}.${asciiLocalPart(lastName)}`;
    if (usedEmails.has(`${local}@${domain}`)) local = `${local}${id}`;
    const email = `${local}@${domain}`;
    usedEmails.add(email);
    const createdAt = DATA_START + Math.floor(random.next() * (DATA_END - DATA_START - 30 * DAY_MS));
    const base = {
      id,
      fullName: `${firstName} ${lastName}`,
      email,
      phone: country.phone(random),
      cardNumber: fakeCardNumber(random),
      iban: country.bban === null ? null : ibanFor(country.code, country.bban(random)),
      street: country.street(random, random.pick(country.streets)),
      city: random.pick(country.cities),
      postcode: country.postcode(random),
      country: country.code,
      dateOfBirth: isoDate(Date.UTC(1950, 0, 1) + random.int(0, 52 * 365) * DAY_MS),
      marketingOptIn: random.chance(0.4),
      createdAt: isoTimestamp(createdAt),
    };
    customers.push({ ...base, notes: note(random, base, firstName) });
    currencyOf[id] = country.currency;
  }

  const products: DemoProduct[] = PRODUCT_CATALOGUE.map(([name, category, price], index) => ({
    id: index + 1,
    sku: `${category.slice(0, 3).toUpperCase()}-${String(1001 + index)}`,
    name,
    category,
    price: price.toFixed(2),
  }));

  const orders: DemoOrder[] = [];
  for (let id = 1; id <= orderCount; id++) {
    // Squaring skews orders towards the early customers: some buy often, most rarely.
    const customerId = 1 + Math.floor(random.next() ** 2 * customerCount);
    const customer = customers[customerId - 1];
    if (customer === undefined) throw new Error(`no customer ${customerId}`);
    const product = random.pick(products);
    const quantity = weighted(random, [
      [1, 70],
      [2, 20],
      [3, 7],
      [4, 3],
    ]);
    const since = Date.parse(customer.createdAt);
    const orderedAt = since + Math.floor(random.next() * (DATA_END - since));
    const status = weighted(random, ORDER_STATUSES);
    const shipped = status === 'shipped' || status === 'delivered' || status === 'refunded';
    orders.push({
      id,
      customerId,
      productId: product.id,
      quantity,
      unitPrice: product.price,
      total: (Number(product.price) * quantity).toFixed(2),
      currency: currencyOf[customerId] ?? 'EUR',
      status,
      orderedAt: isoTimestamp(orderedAt),
      shippedAt: shipped ? isoTimestamp(orderedAt + random.int(1, 4) * DAY_MS) : null,
    });
  }
  return { customers, products, orders };
}
