export {
  countUninvoicedPayments,
  type TimeWindow,
  type UninvoicedPayment,
  uninvoicedPayments,
} from './uninvoiced-payments';
