"""The demo's fixed data: sign-ins, authenticator keys and names."""

PASSWORD = "fieldvisit-demo"
# LAAOs and admins sign in with an authenticator code: these keys go into the demo's app.
TOTP_KEYS = {
    "laao@demo.test": "FIELDVISITDEMOLAAOKEY23456723456",
    "laao2@demo.test": "FIELDVISITDEMOLAAOTWOKEY34567234",
    "admin@demo.test": "FIELDVISITDEMOADMINKEY2345672345",
}
LA_CODE = "873"

FORENAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "Noah",
    "Ava",
    "Leo",
    "Mia",
    "Arlo",
    "Freya",
    "Theo",
    "Maya",
    "Jack",
    "Ruby",
    "Harry",
    "Zara",
    "Ibrahim",
    "Lily",
    "Kacper",
    "Grace",
    "Yusuf",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Nowak",
    "Ahmed",
    "Walker",
    "Evans",
    "Thompson",
    "Kowalski",
]
STREETS = [
    "Mill Road",
    "Station Road",
    "Church Lane",
    "Victoria Street",
    "Fen Way",
    "Orchard Close",
    "High Street",
    "Ely Road",
    "Priory Walk",
    "Water Lane",
]
