import { z } from 'zod';

export const checkoutBody = z.object({
  items: z
    .array(
      z.object({
        productId: z.number().int().positive(),
        quantity: z.number().int().min(1).max(10),
      }),
    )
    .min(1)
    .max(20),
});

export type CheckoutRequest = z.infer<typeof checkoutBody>;

export const orderIdParam = z.object({ id: z.uuid() });

export type OrderStatus = 'PENDING' | 'PAID' | 'FAILED';
