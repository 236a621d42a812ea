/**
 * The Luhn checksum that every payment card number carries in its last digit.
 * Used to keep random digit runs (order ids, timestamps) from being masked as cards.
 */
export function passesLuhn(digits: string): boolean {
  if (digits.length === 0) return false;
  let sum = 0;
  let doubleThisDigit = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    const digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (doubleThisDigit) {
      const doubled = digit * 2;
      sum += doubled > 9 ? doubled - 9 : doubled;
    } else {
      sum += digit;
    }
    doubleThisDigit = !doubleThisDigit;
  }
  return sum % 10 === 0;
}
