/**
 * Construct IDs derived from processor names. A processor's scope must keep its ID for as long as the
 * processor keeps its name (CloudFormation logical IDs, and so the deployed resources, hang on it).
 */

/** `stripe` → `Stripe`, `checkout-com` → `CheckoutCom`, `mpesa-daraja` → `MpesaDaraja`. */
export function processorConstructId(name: string): string {
  return name
    .split('-')
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** `eu-west-1` → `EuWest1`: the construct ID part of a regional stack. */
export function regionConstructId(region: string): string {
  return processorConstructId(region);
}
