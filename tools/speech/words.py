"""Word lists for synthetic training speech: conversation words and sentences with no numbers."""

OTHER_WORDS = """
hello hi yes yeah no okay sure thanks thank please sorry right well great good fine
card number name address account balance payment pay order refund charge bill billing
delivery package parcel service customer agent manager help problem issue question
credit debit visa mastercard amex expiry expires date month year security code back
digits street road avenue city state postcode email phone mobile line call called
calling hold transfer wait minute moment second today tomorrow yesterday morning
afternoon evening week weekend monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
just let me check see look that this there here where when what which who why how
can could would should will shall might must have has had do does did done make made
get got give gave take took know knew think thought want need like love sounds
perfect lovely brilliant absolutely exactly actually really probably maybe alright
again also only even still already always never sometimes often usually first last
next previous new old small large big little long short early late open closed
spell spelling letter confirm confirmed verify verified update updated cancel cancelled
system computer website online password login email internet connection signal
hear speak talking listen repeat slowly clearly understand understood apologise
family husband wife daughter son mother father friend office home work house flat
hotel flight ticket booking reservation room table seat window door station airport
insurance policy claim cover premium quote price cost cheap expensive discount offer
sale shop store product item size colour colours black white blue green red yellow
dollar dollars pounds euros cents money cash bank transfer cheque statement receipt
invoice reference details information record recording survey feedback complaint
happy unhappy wonderful terrible awful nice kind patient quick slow busy free
between after before during until since about above below under over into onto
because although however therefore otherwise anyway meanwhile instead besides
everything something nothing anything everyone someone nobody anybody
bye goodbye cheers welcome morning evening afternoon weather raining sunny cold warm
fix fixed broken working works worked sending sent arrived arriving shipping shipped
""".split()

#: Homophones of number words stay out of the isolated negatives ("for", "to", "won",
#: "ate" sound like digits); inside sentences they are reduced and kept.
SENTENCES = """
hello thank you for calling how can I help you today
yes I would like to make a payment on my account please
can I take your name and the first line of your address
let me just check that for you it will only take a moment
I am sorry to hear about the problem with your delivery
could you confirm your email address for me please
the package should arrive by the end of the week
is there anything else I can help you with today
I will transfer you to my manager now please hold
thanks for waiting I have found your account
the payment has gone through and you will get a receipt by email
could you spell your surname for me slowly please
we have updated the address on the account
I need to cancel my booking for next weekend
the website was not working when I tried to log in yesterday
do you have the reference from your confirmation email
I would like a refund for the broken item please
let me read that back to you to make sure it is right
that all sounds perfect thank you so much for your help
you are welcome have a lovely afternoon goodbye
which card would you like to use for the payment today
the charge should show on your statement in a few days
can you hear me alright the line is a bit quiet
I am calling about the insurance claim I made last month
sorry could you repeat that a little more slowly
my husband usually deals with the bills but he is at work
we can offer you a discount on your next order
the flight leaves in the morning from the main airport
I will send you an email with all the details now
the store is open from early morning until late evening
I think there has been a mistake on my last bill
no problem at all I understand completely
just bear with me while the system catches up
it is asking me for the name on the card
the security team will review the account tomorrow
we do not keep that information on the recording
shall I go ahead and place the order for you
could you tell me what the problem is exactly
the colour I wanted was not available in my size
I have been waiting on hold for quite a long time
thank you for your patience we are very busy today
the engineer will visit you between morning and afternoon
would you like me to set up a direct debit
your new card will arrive in the post shortly
that is brilliant thank you very much for sorting it out
I tried to call yesterday but nobody answered
my daughter ordered it for me on the internet
could you check whether the parcel has been sent
is it possible to change the delivery address
I just want to make sure everything is in order
how long will it take for the money to come back
can I pay by bank transfer instead of card
the password reset email never arrived
we are having some trouble with the connection
I will make a note of that on your account
lovely well thank you again and goodbye
""".strip().splitlines()

#: What an agent says around card data: right next to real digits, so the network must
#: learn that these are not numbers ("thank you" ends like "two", "expiry" like "three").
CALL_PHRASES = """
thank you
thanks
thank you very much
thank you and the expiry date please
and the expiry date
expiry date
the expiry
and the security code
the security code on the back
the last digits on the back of the card
the long number on the front
when you are ready
go ahead
okay go on
yes go on
got that
lovely
perfect
great thank you
sorry could you say that again
can you repeat the last group
and the name on the card
is that a visa or a mastercard
the card number please
mm hmm
right
yep
okay
sorry
pardon
""".strip().splitlines()
