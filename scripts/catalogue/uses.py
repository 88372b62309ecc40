"""What each product type is used for, in the words shoppers use for the job.

A retailer's "use it for" line: appended to every description of the type, after the product's
own sentences, so search finds a product from the job as well as from its name. The jobs are
written per type from what the products do, not from any search query.
"""

from __future__ import annotations

USES: dict[str, str] = {
    "Cordless Drills": "drilling holes in brick, concrete, wood and tiles to put up shelves, "
    "brackets, blinds and curtain poles",
    "Impact Drivers": "driving long screws and bolts fast, decking, fencing, stud walls and "
    "assembling flat-pack furniture",
    "Circular Saws": "fast straight cuts across and along timber, boards and sheets of plywood "
    "or MDF",
    "Jigsaws": "cutting curves, shapes and holes in wood, worktops, laminate and sheet material",
    "Sanders": "smoothing wood, sanding furniture and floors, and taking off old paint and "
    "varnish before refinishing",
    "Angle Grinders": "cutting metal, bolts, chains, paving stones and tiles, and grinding or "
    "removing rust",
    "Screwdriver Sets": "tightening and undoing screws in hinges, handles, plugs, sockets, toys "
    "and electronics",
    "Hammers": "driving nails, hanging pictures, knocking in pegs and breaking up masonry",
    "Spanners & Wrenches": "tightening and loosening nuts and bolts on bikes, cars, mowers and "
    "machinery",
    "Hand Saws": "cutting timber, skirting and batten by hand and pruning branches",
    "Pliers & Cutters": "gripping, bending, twisting and cutting wire, nuts and small parts",
    "Measuring & Levelling": "measuring rooms, walls and floors, marking out, and checking "
    "shelves and frames are level and square",
    "Weed Control": "killing and removing weeds and moss from patios, paths, driveways, lawns "
    "and borders",
    "Lawn Mowers": "cutting and mowing the grass and keeping the lawn tidy",
    "Hedge Trimmers": "trimming, cutting back and shaping hedges, bushes and shrubs",
    "Garden Hand Tools": "digging, planting, weeding, pruning and raking leaves in beds, borders "
    "and vegetable plots",
    "Hoses & Watering": "watering the garden, lawn, plants and pots, and washing cars, bikes and "
    "patios",
    "Emulsion Paint": "painting and redecorating interior walls and ceilings",
    "Gloss & Woodwork Paint": "painting interior woodwork and metal: doors, skirting boards, "
    "frames, stairs and radiators",
    "Exterior Wood Care": "protecting, staining, waterproofing and restoring outdoor wood: "
    "sheds, fences, decking and garden furniture",
    "Brushes & Rollers": "applying paint to walls, ceilings, woodwork and edges",
    "Wallpaper & Adhesives": "wallpapering and decorating walls with patterns and murals",
    "Decorating Prep & Fillers": "getting surfaces ready to paint: sealing gaps and cracks, "
    "priming, masking and covering floors and furniture",
    "Pipe & Fittings": "plumbing water pipes, joining, extending and repairing pipework",
    "Radiators": "heating rooms and bathrooms, and warming and drying towels",
    "Valves & Controls": "controlling heating room by room and isolating or shutting off water "
    "to taps and appliances",
    "Plumbing Tools": "cutting, bending and soldering pipe and fitting taps",
    "Drainage & Unblockers": "clearing blocked sinks, toilets and drains, and covering gullies",
    "Sockets & Switches": "replacing and upgrading wall sockets, USB charging points, light "
    "switches and dimmers",
    "Extension Leads": "bringing power to more devices, or further away, indoors and outdoors",
    "Cable & Wiring Accessories": "wiring circuits, joining cables, and fixing and hiding cable "
    "runs",
    "Electrical Testers": "testing circuits, sockets and voltage safely and finding cables and "
    "studs in walls",
    "Smart Home & Security": "home security, doorbells, cameras, smoke and fire alarms and smart "
    "heating",
    "Timber & Sheet Materials": "building, framing, boarding, flooring and DIY projects in wood",
    "Cement & Aggregates": "mixing concrete and mortar for bases, paths, bricklaying and fence "
    "posts",
    "Bricks & Blocks": "building and repairing walls, extensions and garden walls",
    "Plaster & Plasterboard": "building partition walls and ceilings, repairing damaged walls "
    "and plastering smooth",
    "Insulation": "keeping heat in and noise out of lofts, walls, floors and roofs",
    "Laminate Flooring": "laying a durable, wood-effect floor in living rooms, bedrooms and "
    "hallways",
    "Vinyl Flooring": "laying a waterproof, easy-clean floor in kitchens, bathrooms and utility "
    "rooms",
    "Engineered Wood Flooring": "laying a real wood floor in living rooms, hallways and bedrooms",
    "Carpet Tiles": "carpeting offices, playrooms and garages with tiles you lift and replace one "
    "at a time",
    "Underlay & Floor Accessories": "laying floors: underlay for warmth and quiet, trims and "
    "threshold strips for doorways",
    "Kitchen Taps": "replacing and upgrading the tap on a kitchen sink",
    "Showers": "fitting or upgrading a shower for hot water on demand or stronger flow",
    "Toilets & Basins": "fitting or replacing toilets, basins and vanity units in bathrooms and "
    "cloakrooms",
    "Kitchen Sinks": "fitting or replacing a kitchen sink for washing up",
    "Bathroom Accessories": "finishing a bathroom: toilet seats, towel holders, roll holders and "
    "mirrors",
    "Wall Tiles": "tiling bathroom and kitchen walls, splashbacks and showers",
    "Ceiling Lights": "lighting a room from the ceiling, replacing pendants and fittings",
    "LED Bulbs": "replacing light bulbs with low-energy, long-life and smart bulbs",
    "Outdoor Lighting": "lighting gardens, paths, drives, doors and walls outside, and security "
    "lighting",
    "Table & Floor Lamps": "reading, bedside and living room lighting",
    "Work Lights & Torches": "lighting work areas, sites, lofts and tight spaces",
    "Shelving Units": "storing things on freestanding shelves in garages, sheds, cellars and "
    "utility rooms",
    "Tool Boxes & Chests": "storing, organising and carrying tools and small parts",
    "Storage Boxes": "storing and tidying clothes, toys and household things",
    "Garage Wall Storage": "hanging tools, bikes and garden gear on garage and shed walls",
    "Work Gloves": "protecting hands at work, from cuts, grime and cold",
    "Eye, Ear & Dust Protection": "protecting eyes, ears and lungs from debris, noise and dust",
    "Workwear & Safety Boots": "safety on site: hi-vis, protective footwear and hard-wearing work "
    "clothes",
}


def use_sentence(product_type: str) -> str:
    """The sentence added to every description of ``product_type`` (empty when none is known)."""
    uses = USES.get(product_type)
    return f"Use it for {uses}." if uses else ""
