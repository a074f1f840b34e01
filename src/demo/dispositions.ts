import type { TDispositionList } from '../calls/dispositions.js';

/**
 * The demo's wrap-up codes: a Gulf telecom's contact centre, in the order agents see them —
 * the queue's own outcomes first, the ones every queue shares last.
 */
export const DEMO_DISPOSITIONS: TDispositionList = {
  codes: [
    { code: 'bill_explained', label: { ar: 'تم توضيح الفاتورة', en: 'Bill explained' }, queues: ['billing', 'priority'] },
    { code: 'bill_adjusted', label: { ar: 'تعديل على الفاتورة', en: 'Bill adjusted' }, queues: ['billing', 'priority'] },
    { code: 'payment_arrangement', label: { ar: 'ترتيب سداد بالتقسيط', en: 'Payment arrangement' }, queues: ['billing'] },
    { code: 'plan_changed', label: { ar: 'تغيير الباقة', en: 'Plan changed' }, queues: ['sales', 'support', 'priority'] },
    { code: 'new_subscription', label: { ar: 'اشتراك جديد', en: 'New subscription' }, queues: ['sales'] },
    { code: 'fixed_on_call', label: { ar: 'حُلّت المشكلة الفنية أثناء المكالمة', en: 'Technical issue fixed on the call' }, queues: ['support', 'priority'] },
    { code: 'technician_booked', label: { ar: 'حجز زيارة فني', en: 'Technician visit booked' }, queues: ['support', 'complaints'] },
    { code: 'complaint_logged', label: { ar: 'تسجيل شكوى', en: 'Complaint logged' }, queues: ['complaints', 'priority', 'general'] },
    { code: 'complaint_resolved', label: { ar: 'حل الشكوى', en: 'Complaint resolved' }, queues: ['complaints', 'priority'] },
    { code: 'urgent_referral', label: { ar: 'إحالة للدعم العاجل', en: 'Referred to urgent support' }, queues: ['crisis'] },
    { code: 'general_enquiry', label: { ar: 'استفسار عام', en: 'General enquiry' } },
    { code: 'escalated', label: { ar: 'تصعيد للمشرف', en: 'Escalated to a supervisor' } },
    { code: 'callback_promised', label: { ar: 'وعد بمعاودة الاتصال', en: 'Callback promised' } },
    { code: 'wrong_number', label: { ar: 'رقم خاطئ', en: 'Wrong number' } },
    { code: 'call_dropped', label: { ar: 'انقطعت المكالمة', en: 'Call dropped' } },
  ],
};
