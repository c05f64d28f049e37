import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Azure Retail Prices API (public, no emulator):
 * `GET /api/retail/prices?$filter=…` answering pages of `{BillingCurrency,
 * CustomerEntityId, CustomerEntityType, Items, NextPageLink, Count}` with at
 * most `pageSize` items, following the filter's `armRegionName eq '…'` and
 * `serviceName eq '…'`. For the tests and the demo; 127.0.0.1 only.
 */
export interface RetailItem {
  armSkuName: string;
  armRegionName: string;
  retailPrice: number;
  /** `D2s v3`, `D2s v3 Spot`, `D2s v3 Low Priority`. */
  skuName: string;
  /** `Virtual Machines DSv3 Series`, or `… Windows`. */
  productName: string;
}

export interface RetailPricesServer {
  endpoint: string;
  readonly requests: string[];
  /** Answer the next `n` requests with 503. */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** A row as the API writes it. */
export function retailRow(i: RetailItem): Record<string, unknown> {
  return {
    currencyCode: 'USD',
    tierMinimumUnits: 0,
    retailPrice: i.retailPrice,
    unitPrice: i.retailPrice,
    armRegionName: i.armRegionName,
    location: i.armRegionName,
    effectiveStartDate: '2026-06-01T00:00:00Z',
    meterId: `${i.armSkuName}-${i.skuName}-${i.productName}`,
    meterName: i.skuName,
    productId: 'DZH318Z0BQ50',
    skuId: 'DZH318Z0BQ50/0001',
    productName: i.productName,
    skuName: i.skuName,
    serviceName: 'Virtual Machines',
    serviceId: 'DZH313Z7MMC8',
    serviceFamily: 'Compute',
    unitOfMeasure: '1 Hour',
    type: 'Consumption',
    isPrimaryMeterRegion: true,
    armSkuName: i.armSkuName,
  };
}

/** The four rows Azure lists for a size: Linux, Linux Spot, Windows, Low Priority. */
export function retailRowsFor(o: {
  size: string;
  region: string;
  onDemand: number;
  spot?: number;
  series: string;
}): RetailItem[] {
  const short = o.size.replace(/^Standard_/, '').replace(/_/g, ' ');
  const product = `Virtual Machines ${o.series} Series`;
  const rows: RetailItem[] = [
    {
      armSkuName: o.size,
      armRegionName: o.region,
      retailPrice: o.onDemand,
      skuName: short,
      productName: product,
    },
    {
      armSkuName: o.size,
      armRegionName: o.region,
      retailPrice: o.onDemand * 1.8,
      skuName: short,
      productName: `${product} Windows`,
    },
    {
      armSkuName: o.size,
      armRegionName: o.region,
      retailPrice: o.onDemand * 0.2,
      skuName: `${short} Low Priority`,
      productName: product,
    },
  ];
  if (o.spot !== undefined) {
    rows.push({
      armSkuName: o.size,
      armRegionName: o.region,
      retailPrice: o.spot,
      skuName: `${short} Spot`,
      productName: product,
    });
  }
  return rows;
}

export async function startRetailPricesServer(o: {
  items: RetailItem[];
  pageSize: number;
}): Promise<RetailPricesServer> {
  const requests: string[] = [];
  let failing = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.search);
    if (failing > 0) {
      failing--;
      res.writeHead(503).end();
      return;
    }
    if (url.pathname !== '/api/retail/prices') {
      res.writeHead(404).end();
      return;
    }
    const filter = url.searchParams.get('$filter') ?? '';
    const eq = (field: string) => new RegExp(`${field} eq '([^']*)'`).exec(filter)?.[1];
    const region = eq('armRegionName');
    const service = eq('serviceName');
    const matching = o.items.filter(
      (i) => (!region || i.armRegionName === region) && (!service || service === 'Virtual Machines'),
    );
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    const page = matching.slice(skip, skip + o.pageSize);
    const next = skip + o.pageSize < matching.length ? new URL(url) : undefined;
    next?.searchParams.set('$skip', String(skip + o.pageSize));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        BillingCurrency: 'USD',
        CustomerEntityId: 'Default',
        CustomerEntityType: 'Retail',
        Items: page.map(retailRow),
        NextPageLink: next ? `${endpoint}${next.pathname}${next.search}` : null,
        Count: page.length,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: `${endpoint}/api/retail/prices`,
    requests,
    failNext: (n) => {
      failing = n;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
